/**
 * The process-local channels of one layer: a bounded buffer and a line of waiting receivers per
 * channel. Messages arrive here from this process's own sends and from the process queue.
 */
import { ChannelLayerClosed, type LayerMessage } from "@channels-ts/core";
import { WaitingReceivers } from "@channels-ts/core/layers";
import { decodeOrNull } from "./codec";

interface Buffered {
  expiresAt: number;
  body: Buffer;
}

export class LocalChannels {
  private readonly buffers = new Map<string, Buffered[]>();
  private readonly receivers = new WaitingReceivers();

  constructor(
    private readonly capacityOf: (channel: string) => number,
    /** Django's rule: a channel that let a message expire is presumed gone and leaves its groups. */
    private readonly onExpired: (channel: string) => void,
    private readonly onUndecodable: (error: Error) => void,
  ) {}

  /** Hands the message to a waiting receiver or buffers it; `false` when the channel is full. */
  deliver(channel: string, body: Buffer, expiresAt: number): boolean {
    if (expiresAt <= Date.now()) return true; // expired on the way: as good as delivered and dropped
    if (this.receivers.count(channel) > 0) {
      const message = decodeOrNull(body, this.onUndecodable);
      // An undecodable message is skipped; the waiter keeps waiting.
      if (message !== null) this.receivers.deliver(channel, message);
      return true;
    }
    let buffer = this.buffers.get(channel);
    if (buffer && buffer.length >= this.capacityOf(channel)) {
      // A full buffer may hold only expired messages: clean it before saying no.
      this.dropExpired(channel, buffer);
      buffer = this.buffers.get(channel);
      if (buffer && buffer.length >= this.capacityOf(channel)) return false;
    }
    const entry = { expiresAt, body };
    if (buffer) buffer.push(entry);
    else this.buffers.set(channel, [entry]);
    return true;
  }

  receive(channel: string, signal: AbortSignal | undefined): Promise<LayerMessage> {
    const buffer = this.buffers.get(channel);
    if (buffer) {
      const now = Date.now();
      let expired = false;
      while (buffer.length > 0) {
        const head = buffer.shift()!;
        if (head.expiresAt <= now) {
          expired = true;
          continue;
        }
        if (buffer.length === 0) this.buffers.delete(channel);
        if (expired) this.onExpired(channel);
        const message = decodeOrNull(head.body, this.onUndecodable);
        if (message !== null) return Promise.resolve(message);
      }
      this.buffers.delete(channel);
      if (expired) this.onExpired(channel);
    }
    return this.receivers.wait(channel, signal);
  }

  /** Drops expired messages everywhere (and the channels that held them from their groups). */
  sweep(): void {
    for (const [channel, buffer] of this.buffers) this.dropExpired(channel, buffer);
  }

  /** Drops every buffered message; waiting receivers keep waiting. */
  clear(): void {
    this.buffers.clear();
  }

  /** Rejects every waiting receiver with `ChannelLayerClosed` and forgets everything. */
  close(): void {
    this.receivers.rejectAll(new ChannelLayerClosed());
    this.buffers.clear();
  }

  private dropExpired(channel: string, buffer: Buffered[]): void {
    const now = Date.now();
    let expired = 0;
    while (expired < buffer.length && buffer[expired]!.expiresAt <= now) expired++;
    if (expired === 0) return;
    buffer.splice(0, expired);
    if (buffer.length === 0) this.buffers.delete(channel);
    this.onExpired(channel);
  }
}
