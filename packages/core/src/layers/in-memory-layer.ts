import { ChannelFull, ChannelLayerClosed } from "../exceptions";
import type { Metrics } from "../metrics/metrics";
import type { LayerMessage } from "../protocol/types";
import { BaseChannelLayer, type BaseChannelLayerOptions } from "./base";
import { copyMessage } from "./message";
import { WaitingReceivers } from "./waiting-receivers";

/** Options of `InMemoryChannelLayer`: those of every layer. */
export interface InMemoryChannelLayerOptions extends BaseChannelLayerOptions {}

interface Queued {
  expiresAt: number;
  message: LayerMessage;
}

/** The entry of a channel that has a waiting receiver and no messages; never pushed to. */
const WAITING: Queued[] = [];

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

function randomLetters(count: number): string {
  let out = "";
  for (let i = 0; i < count; i++) out += LETTERS[Math.floor(Math.random() * LETTERS.length)];
  return out;
}

/**
 * A channel layer inside one process: Django's `InMemoryChannelLayer` semantics (capacity, expiry,
 * expired messages evicting their channel from groups, deep copies), without its bugs: waiting
 * receivers survive `flush()` and each other, and `channelCapacity` globs work.
 *
 * Use it for development and tests; it cannot connect processes (use the Redis layer for that).
 */
export class InMemoryChannelLayer extends BaseChannelLayer {
  /** Messages never leave this process: `channels worker` refuses this layer. */
  readonly processLocal = true;
  /**
   * Messages waiting per channel. As in Django, a channel with a receiver waiting on it is listed
   * too (with no messages), so a test can find a consumer's channel: `[...layer.channels.keys()][0]`.
   * A channel with neither has no entry.
   */
  readonly channels = new Map<string, Queued[]>();
  /** Group → channel → time it joined (ms since epoch). */
  readonly groups = new Map<string, Map<string, number>>();
  /** Receivers waiting per channel, first come first served. Not touched by `flush()`. */
  private readonly receivers = new WaitingReceivers();
  private lastSweep = 0;
  private closed = false;

  constructor(options: InMemoryChannelLayerOptions = {}) {
    super(options);
  }

  async send(channel: string, message: LayerMessage): Promise<void> {
    this.requireOpen();
    this.requireValidChannelName(channel);
    this.requireValidMessage(message);
    const copy = copyMessage(message);
    if (!this.deliver(channel, copy)) throw new ChannelFull(channel);
  }

  // Not `async`: a receive that waits returns the waiter's own promise, one promise and no extra
  // microtask hops per message (this is every consumer's hot path).
  receive(channel: string, signal?: AbortSignal): Promise<LayerMessage> {
    try {
      this.requireOpen();
      this.requireValidChannelName(channel);
      signal?.throwIfAborted();
      this.sweep();
      const queue = this.channels.get(channel);
      if (queue) {
        const now = Date.now();
        while (queue.length > 0) {
          const head = queue.shift()!;
          if (head.expiresAt > now) {
            if (queue.length === 0) this.channels.delete(channel);
            return Promise.resolve(head.message);
          }
          this.recordExpired(1);
          this.evictFromGroups(channel);
        }
        this.channels.delete(channel);
      }
      const waiting = this.receivers.wait(channel, signal, () => this.forgetIfIdle(channel));
      if (!this.channels.has(channel)) this.channels.set(channel, WAITING);
      return waiting;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async newChannel(prefix = "specific"): Promise<string> {
    this.requireOpen();
    const name = `${prefix}.inmemory!${randomLetters(12)}`;
    this.requireValidChannelName(name);
    return name;
  }

  async groupAdd(group: string, channel: string): Promise<void> {
    this.requireOpen();
    this.requireValidGroupName(group);
    this.requireValidChannelName(channel);
    const members = this.groups.get(group);
    if (members) members.set(channel, Date.now());
    else this.groups.set(group, new Map([[channel, Date.now()]]));
  }

  async groupDiscard(group: string, channel: string): Promise<void> {
    this.requireOpen();
    this.requireValidGroupName(group);
    this.requireValidChannelName(channel);
    const members = this.groups.get(group);
    if (!members) return;
    members.delete(channel);
    if (members.size === 0) this.groups.delete(group);
  }

  async groupSend(group: string, message: LayerMessage): Promise<void> {
    this.requireOpen();
    this.requireValidGroupName(group);
    this.requireValidMessage(message);
    // Checked once up front, so a bad value fails the call instead of reaching some members.
    const first = copyMessage(message);
    this.sweep();
    const members = this.groups.get(group);
    if (!members) return;
    const joinedAfter = Date.now() - this.groupExpiryMs;
    let copy: LayerMessage | undefined = first;
    for (const [channel, joinedAt] of members) {
      if (joinedAt < joinedAfter) continue;
      if (!this.deliver(channel, copy ?? copyMessage(message))) this.recordDrop(group, channel);
      copy = undefined;
    }
  }

  async flush(): Promise<void> {
    this.requireOpen();
    this.channels.clear();
    this.groups.clear();
  }

  /** Resolves while the layer is open (there is no backend to lose). */
  async ping(): Promise<void> {
    this.requireOpen();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.receivers.rejectAll(new ChannelLayerClosed());
    this.channels.clear();
    this.groups.clear();
  }

  protected override collectMetrics(metrics: Metrics): void {
    const labels = { layer: this.constructor.name };
    let queued = 0;
    for (const queue of this.channels.values()) queued += queue.length;
    metrics.addToGauge("channels_layer_channels", this.channels.size, labels);
    metrics.addToGauge("channels_layer_queued_messages", queued, labels);
    metrics.addToGauge("channels_layer_groups", this.groups.size, labels);
  }

  /** Hands `message` to a waiting receiver or queues it; `false` when the channel is full. */
  private deliver(channel: string, message: LayerMessage): boolean {
    if (this.receivers.deliver(channel, message)) {
      this.forgetIfIdle(channel);
      return true;
    }
    let queue = this.channels.get(channel);
    if (queue === WAITING) queue = undefined;
    if (queue && queue.length >= this.getCapacity(channel)) {
      // A full queue may hold only expired messages: clean it before saying no.
      this.dropExpired(channel, queue);
      queue = this.channels.get(channel);
      if (queue && queue.length >= this.getCapacity(channel)) return false;
    }
    if (!queue) {
      queue = [];
      this.channels.set(channel, queue);
    }
    queue.push({ expiresAt: Date.now() + this.expiryMs, message });
    return true;
  }

  /** Drops expired messages and memberships, at most a few times a second (Django does it on every call). */
  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < Math.min(this.expiryMs / 2, 250)) return;
    this.lastSweep = now;
    for (const [channel, queue] of this.channels) this.dropExpired(channel, queue);
    const joinedAfter = now - this.groupExpiryMs;
    for (const [group, members] of this.groups) {
      for (const [channel, joinedAt] of members) if (joinedAt < joinedAfter) members.delete(channel);
      if (members.size === 0) this.groups.delete(group);
    }
  }

  private dropExpired(channel: string, queue: Queued[]): void {
    const now = Date.now();
    let expired = 0;
    while (expired < queue.length && queue[expired]!.expiresAt <= now) expired++;
    if (expired === 0) return;
    queue.splice(0, expired);
    this.recordExpired(expired);
    // Django's rule: a channel that let a message expire is presumed gone and leaves its groups.
    this.evictFromGroups(channel);
    if (queue.length === 0) this.channels.delete(channel);
  }

  /** Drops the entry of a channel left with no messages and no waiting receiver. */
  private forgetIfIdle(channel: string): void {
    if (this.receivers.count(channel) === 0 && this.channels.get(channel)?.length === 0)
      this.channels.delete(channel);
  }

  private evictFromGroups(channel: string): void {
    for (const [group, members] of this.groups) {
      if (members.delete(channel) && members.size === 0) this.groups.delete(group);
    }
  }

  private requireOpen(): void {
    if (this.closed) throw new ChannelLayerClosed();
  }
}
