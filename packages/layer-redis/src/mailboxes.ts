import type { LayerMessage } from "@channels-ts/core";

interface Buffered {
  message: LayerMessage;
  expiresAt: number;
}

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
  private readonly buffers = new Map<string, Buffered[]>();
  private lastSweep = Date.now();
  /** Messages dropped because a channel's buffer was full (oldest first, as channels_redis does). */
  overflowed = 0;
  /** Buffered messages dropped because nobody received them within `ttlMs`. */
  expired = 0;

  /**
   * @param capacityOf bound of each channel's buffer
   * @param ttlMs how long a buffered message waits; channels nobody reads any more do not hold memory forever
   */
  constructor(
    private readonly capacityOf: (channel: string) => number,
    private readonly ttlMs = Number.POSITIVE_INFINITY,
  ) {}

  /** A buffered message for `channel`, if any. */
  take(channel: string): LayerMessage | undefined {
    const buffer = this.buffers.get(channel);
    if (!buffer) return undefined;
    const now = Date.now();
    let message: LayerMessage | undefined;
    while (buffer.length > 0 && message === undefined) {
      const head = buffer.shift()!;
      if (head.expiresAt > now) message = head.message;
      else this.expired++;
    }
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
      if (!list) {
        list = [];
        this.waiters.set(channel, list);
      }
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
    const now = Date.now();
    if (now - this.lastSweep > Math.min(this.ttlMs, 10_000)) this.sweep(now);
    let buffer = this.buffers.get(channel);
    if (!buffer) {
      buffer = [];
      this.buffers.set(channel, buffer);
    }
    buffer.push({ message, expiresAt: now + this.ttlMs });
    if (buffer.length > this.capacityOf(channel)) {
      buffer.shift();
      this.overflowed++;
    }
  }

  /** Drops expired buffered messages (and the channels left empty). */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [channel, buffer] of this.buffers) {
      let stale = 0;
      while (stale < buffer.length && buffer[stale]!.expiresAt <= now) stale++;
      if (stale === 0) continue;
      this.expired += stale;
      if (stale === buffer.length) this.buffers.delete(channel);
      else buffer.splice(0, stale);
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
