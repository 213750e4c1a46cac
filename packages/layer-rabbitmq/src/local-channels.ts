/**
 * The process-local channels of one layer: a bounded buffer and a line of waiting receivers per
 * channel. Messages arrive here from this process's own sends and from the process queue.
 */
import { ChannelLayerClosed, type LayerMessage } from "@channels-ts/core";
import { decodeOrNull } from "./codec";
import { detach, type Waiter } from "./waiter";

interface Buffered {
  expiresAt: number;
  body: Buffer;
}

export class LocalChannels {
  private readonly buffers = new Map<string, Buffered[]>();
  private readonly waiters = new Map<string, Waiter[]>();

  constructor(
    private readonly capacityOf: (channel: string) => number,
    /** Django's rule: a channel that let a message expire is presumed gone and leaves its groups. */
    private readonly onExpired: (channel: string) => void,
    private readonly onUndecodable: (error: Error) => void,
  ) {}

  /** Hands the message to a waiting receiver or buffers it; `false` when the channel is full. */
  deliver(channel: string, body: Buffer, expiresAt: number): boolean {
    if (expiresAt <= Date.now()) return true; // expired on the way: as good as delivered and dropped
    const list = this.waiters.get(channel);
    if (list && list.length > 0) {
      const message = decodeOrNull(body, this.onUndecodable);
      if (message === null) return true; // skipped; the waiter keeps waiting
      const waiter = list.shift()!;
      if (list.length === 0) this.waiters.delete(channel);
      detach(waiter);
      waiter.resolve(message);
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
    return new Promise<LayerMessage>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          this.removeWaiter(channel, waiter);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      const list = this.waiters.get(channel);
      if (list) list.push(waiter);
      else this.waiters.set(channel, [waiter]);
    });
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
    const error = new ChannelLayerClosed();
    for (const list of this.waiters.values()) {
      for (const waiter of list) {
        detach(waiter);
        waiter.reject(error);
      }
    }
    this.waiters.clear();
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

  private removeWaiter(channel: string, waiter: Waiter): void {
    const list = this.waiters.get(channel);
    if (!list) return;
    const index = list.indexOf(waiter);
    if (index !== -1) list.splice(index, 1);
    if (list.length === 0) this.waiters.delete(channel);
  }
}
