import { ChannelLayerUnavailable } from "../exceptions";
import type { Logger } from "./logger";

/**
 * Requests that fail because a channel layer's backend is down (a consumer's `groupAdd` while
 * Redis is unreachable) are the server's outage, not the application's bug: the client gets 503
 * with `Retry-After` (a WebSocket: a 503 refusal, or close 1013 once open), and the log gets one
 * warning when the outage starts and a count once a minute while it lasts, instead of a stack
 * trace per request. The outage ends when the layer raises nothing for `QUIET_MS`.
 */

/** Seconds a client is told to wait before retrying. */
export const LAYER_RETRY_AFTER_S = 5;
export const LAYER_UNAVAILABLE_HEADERS = Object.freeze({ "retry-after": String(LAYER_RETRY_AFTER_S) });

const QUIET_MS = 10_000;
const REMIND_MS = 60_000;

/**
 * A `ChannelLayerUnavailable` (Redis, RabbitMQ, …). Layers subclass core's class; the name check
 * also finds one thrown by another copy of `@channels-ts/core` in `node_modules`.
 */
export function isLayerUnavailable(error: unknown): error is Error {
  if (error instanceof ChannelLayerUnavailable) return true;
  for (let proto = error; proto !== null && typeof proto === "object"; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === "ChannelLayerUnavailable")
      return true;
  }
  return false;
}

export class LayerOutage {
  /** When the last failure was seen (`Date.now()`), `0` outside an outage. */
  private lastFailure = 0;
  private lastWarning = 0;
  /** Requests refused since the last warning. */
  private refused = 0;

  constructor(private readonly logger: Logger) {}

  /** A request was refused because a layer is unavailable: warn if this starts an outage. */
  report(error: Error, where: string): void {
    const now = Date.now();
    const starts = now - this.lastFailure > QUIET_MS;
    this.lastFailure = now;
    this.refused++;
    if (starts) {
      this.lastWarning = now;
      this.refused = 0;
      this.logger.warn(
        { event: "channel_layer.unavailable", where, reason: error.message },
        `Channel layer unavailable (${where}): answering 503 with Retry-After: ${LAYER_RETRY_AFTER_S} to requests that need it until it is back. ${error.message}`,
      );
    } else if (now - this.lastWarning >= REMIND_MS) {
      this.logger.warn(
        { event: "channel_layer.unavailable", refused: this.refused, reason: error.message },
        `Channel layer still unavailable: ${this.refused} requests refused with 503 in the last ${Math.round((now - this.lastWarning) / 1000)} s. ${error.message}`,
      );
      this.lastWarning = now;
      this.refused = 0;
    }
  }
}
