import { type BaseChannelLayerOptions, ImproperlyConfigured } from "@channels-ts/core";
import type { Options } from "amqplib";

/** Options of `RabbitMQChannelLayer`: those of every layer, plus the broker's. */
export interface RabbitMQChannelLayerOptions extends BaseChannelLayerOptions {
  /**
   * The broker: an AMQP URL (`amqp://user:password@host:5672/vhost`, `amqps://…` for TLS, query
   * parameters such as `?heartbeat=10` as amqplib reads them) or amqplib's connection options.
   * @default "amqp://guest:guest@localhost:5672"
   */
  url?: string | Options.Connect;
  /**
   * Starts the name of every queue and exchange the layer uses (`<prefix>.groups`,
   * `<prefix>.channel.<name>`, `<prefix>.process.<id>`), so applications can share a virtual host.
   * @default "asgi"
   */
  prefix?: string;
  /**
   * How long `send`, `groupSend`, `groupAdd` and `flush` wait for a connection to the broker and
   * for its confirmation before they reject with `RabbitMQUnavailableError`. Bounds every call
   * during an outage.
   * @default 5_000
   */
  sendTimeoutMs?: number;
  /**
   * Delay before the first reconnection attempt after the connection is lost; it doubles with each
   * failed attempt, up to `maxReconnectDelayMs` (with ±20% jitter).
   * @default 100
   */
  reconnectDelayMs?: number;
  /**
   * The longest delay between two reconnection attempts.
   * @default 5_000
   */
  maxReconnectDelayMs?: number;
  /**
   * How many deliveries the broker sends ahead of acknowledgements, per consumer (the process
   * queue, and each plain channel being received).
   * @default 100
   */
  prefetchCount?: number;
  /**
   * How many messages this process's queue holds before the broker refuses more: other processes'
   * `send` to this process's channels then throws `ChannelFull`. The process drains its queue as
   * fast as it can; each process-local channel's own limit is `capacity` / `channelCapacity`.
   * @default 10_000
   */
  processQueueCapacity?: number;
  /**
   * Publish messages to plain channels as persistent, so that they survive a broker restart
   * (their queues always do). Slower: the broker writes them to disk before it confirms.
   * @default false
   */
  persistent?: boolean;
  /**
   * The broker deletes a plain channel's queue after nobody read from or declared it for this
   * long (`x-expires`). Any message in it has expired long before.
   * @default 86_400_000
   */
  queueExpiryMs?: number;
  /**
   * Told about connection trouble: a lost connection, each failed reconnection attempt (the layer
   * keeps trying), a message on this process's queue that is not one of ours (skipped).
   * @default console.warn
   */
  onError?: (error: Error) => void;
}

export interface RabbitMQSettings {
  url: string | Options.Connect;
  prefix: string;
  sendTimeoutMs: number;
  reconnectDelayMs: number;
  maxReconnectDelayMs: number;
  prefetchCount: number;
  processQueueCapacity: number;
  persistent: boolean;
  queueExpiryMs: number;
  onError: (error: Error) => void;
}

function positive(value: number, name: string, integer = false): number {
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new ImproperlyConfigured(
      `${name} must be a ${integer ? "whole number" : "number"} > 0; got ${String(value)}.`,
    );
  }
  return value;
}

/** The options with their defaults, checked. */
export function resolveSettings(options: RabbitMQChannelLayerOptions): RabbitMQSettings {
  const prefix = options.prefix ?? "asgi";
  if (!/^[\w\-.]+$/.test(prefix) || prefix.length > 100) {
    throw new ImproperlyConfigured(
      `prefix must be up to 100 ASCII letters, digits, hyphens, underscores or periods; got ${JSON.stringify(prefix)}.`,
    );
  }
  return {
    url: options.url ?? "amqp://guest:guest@localhost:5672",
    prefix,
    sendTimeoutMs: positive(options.sendTimeoutMs ?? 5_000, "sendTimeoutMs"),
    reconnectDelayMs: positive(options.reconnectDelayMs ?? 100, "reconnectDelayMs"),
    maxReconnectDelayMs: positive(options.maxReconnectDelayMs ?? 5_000, "maxReconnectDelayMs"),
    prefetchCount: positive(options.prefetchCount ?? 100, "prefetchCount", true),
    processQueueCapacity: positive(options.processQueueCapacity ?? 10_000, "processQueueCapacity", true),
    persistent: options.persistent ?? false,
    queueExpiryMs: positive(options.queueExpiryMs ?? 86_400_000, "queueExpiryMs", true),
    onError: options.onError ?? ((error) => console.warn(`[RabbitMQChannelLayer] ${error.message}`)),
  };
}
