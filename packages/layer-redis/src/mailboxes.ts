import type { LayerMessage } from "@channels-ts/core";

interface Waiter {
  resolve(message: LayerMessage): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * The process side of receiving: receivers waiting per channel (first come, first served) and
 * messages that arrived for a channel nobody was waiting on. A message handed to a waiter is gone
 * from here in the same tick, so an abort can never lose one.
 */
export class Mailboxes {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly buffers = new Map<string, LayerMessage[]>();
  /** Messages dropped because a channel's buffer was full (oldest first, as channels_redis does). */
  overflowed = 0;

  constructor(private readonly capacityOf: (channel: string) => number) {}

  /** A buffered message for `channel`, if any. */
  take(channel: string): LayerMessage | undefined {
    const buffer = this.buffers.get(channel);
    if (!buffer) return undefined;
    const message = buffer.shift();
    if (buffer.length === 0) this.buffers.delete(channel);
    return message;
  }

  /** Waits for the next message delivered to `channel`; `onGone` runs when the waiter leaves by abort. */
  wait(channel: string, signal: AbortSignal | undefined, onGone?: () => void): Promise<LayerMessage> {
    return new Promise<LayerMessage>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          this.remove(channel, waiter);
          onGone?.();
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      let list = this.waiters.get(channel);
      if (!list) this.waiters.set(channel, (list = []));
      list.push(waiter);
    });
  }

  /** How many receivers wait on `channel`. */
  waiting(channel: string): number {
    return this.waiters.get(channel)?.length ?? 0;
  }

  /** Channels with at least one waiting receiver, and how many. */
  *waitingChannels(): IterableIterator<[string, number]> {
    for (const [channel, list] of this.waiters) yield [channel, list.length];
  }

  /** Hands `message` to the first waiter on `channel`; `false` when nobody waits. */
  deliver(channel: string, message: LayerMessage): boolean {
    const list = this.waiters.get(channel);
    if (!list || list.length === 0) return false;
    const waiter = list.shift()!;
    if (list.length === 0) this.waiters.delete(channel);
    this.detach(waiter);
    waiter.resolve(message);
    return true;
  }

  /** Hands `message` to a waiter, or buffers it (dropping the oldest past the channel's capacity). */
  deliverOrBuffer(channel: string, message: LayerMessage): void {
    if (this.deliver(channel, message)) return;
    let buffer = this.buffers.get(channel);
    if (!buffer) this.buffers.set(channel, (buffer = []));
    buffer.push(message);
    if (buffer.length > this.capacityOf(channel)) {
      buffer.shift();
      this.overflowed++;
    }
  }

  clearBuffers(): void {
    this.buffers.clear();
  }

  /** Rejects every waiter with `error` (the layer closed). */
  rejectAll(error: Error): void {
    for (const list of this.waiters.values()) {
      for (const waiter of list) {
        this.detach(waiter);
        waiter.reject(error);
      }
    }
    this.waiters.clear();
    this.buffers.clear();
  }

  private remove(channel: string, waiter: Waiter): void {
    const list = this.waiters.get(channel);
    if (!list) return;
    const index = list.indexOf(waiter);
    if (index !== -1) list.splice(index, 1);
    if (list.length === 0) this.waiters.delete(channel);
  }

  private detach(waiter: Waiter): void {
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener("abort", waiter.onAbort);
  }
}
