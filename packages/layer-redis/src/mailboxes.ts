import type { LayerMessage } from "@channels-ts/core";
import { WaitingReceivers } from "@channels-ts/core/layers";

interface Buffered {
  message: LayerMessage;
  expiresAt: number;
}

/**
 * The process side of receiving: receivers waiting per channel (first come, first served) and
 * messages that arrived for a channel nobody was waiting on. A message handed to a waiter is gone
 * from here in the same tick, so an abort can never lose one.
 */
export class Mailboxes {
  private readonly receivers = new WaitingReceivers();
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

  /** Waits for the next message delivered to `channel`; `signal` aborts the wait. */
  wait(channel: string, signal: AbortSignal | undefined): Promise<LayerMessage> {
    return this.receivers.wait(channel, signal);
  }

  /** Channels with at least one waiting receiver, and how many. */
  waitingChannels(): IterableIterator<[string, number]> {
    return this.receivers.channels();
  }

  /** Hands `message` to the first waiter on `channel`; `false` when nobody waits. */
  deliver(channel: string, message: LayerMessage): boolean {
    return this.receivers.deliver(channel, message);
  }

  /** Hands `message` to a waiter or buffers it; `false` (and nothing kept) when the buffer is full. */
  offer(channel: string, message: LayerMessage): boolean {
    if (this.deliver(channel, message)) return true;
    const buffer = this.buffers.get(channel);
    if (buffer && buffer.length >= this.capacityOf(channel)) {
      // A full buffer may hold only expired messages: sweep before saying no.
      this.sweep(Date.now());
      const swept = this.buffers.get(channel);
      if (swept && swept.length >= this.capacityOf(channel)) return false;
    }
    this.deliverOrBuffer(channel, message);
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
    this.receivers.rejectAll(error);
    this.buffers.clear();
  }
}
