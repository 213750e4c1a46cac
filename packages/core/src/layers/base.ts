import { ImproperlyConfigured, InvalidMessageError } from "../exceptions";
import { currentMetrics, type Metrics } from "../metrics/metrics";
import type { LayerMessage } from "../protocol/types";
import { CapacityTable, type ChannelCapacity } from "./capacity";
import { collectWhileAlive, instrumentLayer } from "./instrument";
import { requireValidChannelName, requireValidGroupName } from "./names";

/** The channel layer contract every backend implements. All methods are async. */
export interface ChannelLayer {
  /** Optional features: `"groups"`, `"flush"`. */
  readonly extensions: readonly string[];
  /**
   * `true` when messages never leave this process (the in-memory layer): a worker or sender in
   * another process cannot reach it, so `channels worker` refuses it.
   * @default undefined
   */
  readonly processLocal?: boolean;
  /** Puts `message` on `channel`. Rejects with `ChannelFull` when the channel is at capacity. */
  send(channel: string, message: LayerMessage): Promise<void>;
  /**
   * The next message on `channel`, waiting as long as it takes. Aborting `signal` stops the wait
   * (the promise rejects with the signal's reason) and never loses a message.
   */
  receive(channel: string, signal?: AbortSignal): Promise<LayerMessage>;
  /** A fresh process-local channel name (`prefix.<layer>!<random>`). */
  newChannel(prefix?: string): Promise<string>;
  groupAdd(group: string, channel: string): Promise<void>;
  groupDiscard(group: string, channel: string): Promise<void>;
  /** Sends `message` to every member of `group`. Never throws `ChannelFull`: full members miss it. */
  groupSend(group: string, message: LayerMessage): Promise<void>;
  /** Drops every message and group. */
  flush(): Promise<void>;
  /** Releases connections; pending and later receives reject with `ChannelLayerClosed`. */
  close(): Promise<void>;
  /**
   * Optional: resolves when the layer's backend answers (Redis: every shard's PING), rejects when
   * it does not or the layer is closed. The server's `/readyz` asks every layer; one without
   * `ping` counts as ready.
   */
  ping?(): Promise<void>;
}

/** Reported for every message that `groupSend` could not deliver to a full member. */
export interface DroppedMessage {
  group: string;
  channel: string;
  reason: "full";
}

/** Options every layer takes. */
export interface BaseChannelLayerOptions {
  /**
   * How long a message waits on a channel before it is dropped, in ms.
   * @default 60_000
   */
  expiryMs?: number;
  /**
   * How long a group membership lasts without being renewed by `groupAdd`, in ms.
   * @default 86_400_000
   */
  groupExpiryMs?: number;
  /**
   * How many messages a channel holds before `send` throws `ChannelFull`.
   * @default 100
   */
  capacity?: number;
  /**
   * Per-channel capacities: a plain object of glob → capacity, or `[RegExp | glob, capacity]` pairs.
   * The first match wins.
   * @default {}
   */
  channelCapacity?: ChannelCapacity;
  /**
   * Called for every message `groupSend` drops because a member is full (Django drops them
   * silently). `droppedMessages` counts them either way.
   */
  onDrop?: (dropped: DroppedMessage) => void;
}

function requireDuration(value: number, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ImproperlyConfigured(`${name} must be a duration in milliseconds ≥ 0; got ${String(value)}.`);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Throws `InvalidMessageError` unless `message` is a plain object with a string `type`. */
export function requireValidMessage(message: unknown): asserts message is LayerMessage {
  if (!isPlainObject(message)) {
    const got = Array.isArray(message) ? "an array" : message === null ? "null" : typeof message;
    throw new InvalidMessageError(
      `A channel layer message must be a plain object with a string "type", like { type: "chat.message", text: "hi" }; got ${got}.`,
    );
  }
  if (typeof message.type !== "string" || message.type === "") {
    throw new InvalidMessageError(
      `A channel layer message needs a non-empty string "type" naming its handler (e.g. "chat.message" runs chat_message); got ${JSON.stringify(message.type) ?? "undefined"}.`,
    );
  }
  if ("__asgi_channel__" in message) {
    throw new InvalidMessageError(
      'The key "__asgi_channel__" is reserved for the layer\'s own routing; rename it in your message.',
    );
  }
}

/**
 * What all layers share: options, name rules, capacities and the drop counter. Backends extend it
 * and implement the `ChannelLayer` methods.
 */
export abstract class BaseChannelLayer implements ChannelLayer {
  readonly extensions: readonly string[] = ["groups", "flush"];
  readonly expiryMs: number;
  readonly groupExpiryMs: number;
  readonly capacity: number;
  /** How many messages `groupSend` dropped because a member was full. */
  droppedMessages = 0;
  protected readonly capacities: CapacityTable;
  private readonly onDrop: ((dropped: DroppedMessage) => void) | undefined;

  constructor(options: BaseChannelLayerOptions = {}) {
    this.expiryMs = requireDuration(options.expiryMs ?? 60_000, "expiryMs");
    this.groupExpiryMs = requireDuration(options.groupExpiryMs ?? 86_400_000, "groupExpiryMs");
    this.capacity = options.capacity ?? 100;
    this.capacities = new CapacityTable(this.capacity, options.channelCapacity);
    this.onDrop = options.onDrop;
    // Every layer's calls are counted and timed here, once, rather than in each backend's methods.
    instrumentLayer(this);
    if (this.collectMetrics) collectWhileAlive(this, (layer, metrics) => layer.collectMetrics!(metrics));
  }

  /**
   * Reports the layer's collected gauges (`channels_layer_channels`, …) at each scrape. A backend
   * that holds messages in the process implements it; reading sizes then costs nothing per message.
   */
  protected collectMetrics?(metrics: Metrics): void;

  /** The capacity of `channel`, after `channelCapacity`. */
  getCapacity(channel: string): number {
    return this.capacities.get(channel);
  }

  /** Counts (and reports) a message `groupSend` could not deliver. */
  protected recordDrop(group: string, channel: string): void {
    this.droppedMessages++;
    const metrics = currentMetrics();
    if (metrics.enabled) metrics.increment("channels_messages_dropped_total", { reason: "channel_full" });
    if (this.onDrop) {
      try {
        this.onDrop({ group, channel, reason: "full" });
      } catch {
        // A faulty hook must not break the fan-out to the other members.
      }
    }
  }

  /** Counts messages dropped because they waited longer than `expiryMs`. */
  protected recordExpired(count: number): void {
    const metrics = currentMetrics();
    if (metrics.enabled) metrics.increment("channels_messages_dropped_total", { reason: "expired" }, count);
  }

  requireValidChannelName(name: unknown, receive = false): asserts name is string {
    requireValidChannelName(name, receive);
  }

  requireValidGroupName(name: unknown): asserts name is string {
    requireValidGroupName(name);
  }

  requireValidMessage(message: unknown): asserts message is LayerMessage {
    requireValidMessage(message);
  }

  abstract send(channel: string, message: LayerMessage): Promise<void>;
  abstract receive(channel: string, signal?: AbortSignal): Promise<LayerMessage>;
  abstract newChannel(prefix?: string): Promise<string>;
  abstract groupAdd(group: string, channel: string): Promise<void>;
  abstract groupDiscard(group: string, channel: string): Promise<void>;
  abstract groupSend(group: string, message: LayerMessage): Promise<void>;
  abstract flush(): Promise<void>;
  abstract close(): Promise<void>;
}
