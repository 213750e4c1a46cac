/** When to try again after a lost connection. */
export interface ReconnectOptions {
  /**
   * The largest delay of the first retry, in ms; each further retry doubles it.
   * @default 500
   */
  initialDelayMs?: number;
  /**
   * The largest delay of any retry, in ms.
   * @default 10_000
   */
  maxDelayMs?: number;
  /**
   * How many retries in a row may fail before the socket gives up and is `closed`.
   * @default Infinity
   */
  maxRetries?: number;
}

/**
 * The delay before retry number `attempt` (0 for the first): exponential backoff with full jitter,
 * a uniformly random delay between 0 and `min(maxDelayMs, initialDelayMs * 2^attempt)`, so that
 * clients dropped together by a restart do not come back together.
 */
export function backoffDelay(attempt: number, options: ReconnectOptions = {}, random = Math.random): number {
  const { initialDelayMs = 500, maxDelayMs = 10_000 } = options;
  return random() * Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
}
