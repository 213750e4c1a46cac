import type { LayerMessage } from "@channels-ts/core";

/** A receiver waiting for a message, with the abort listener to remove once it is served. */
export interface Waiter {
  resolve(message: LayerMessage): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export function detach(waiter: Waiter): void {
  if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener("abort", waiter.onAbort);
}
