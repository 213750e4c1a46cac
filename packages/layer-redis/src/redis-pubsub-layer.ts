import { randomBytes } from "node:crypto";
import {
  type BaseChannelLayerOptions,
  ChannelLayerClosed,
  ImproperlyConfigured,
  type LayerMessage,
} from "@channels-ts/core";
import { BaseChannelLayer, copyMessage } from "@channels-ts/core/layers";
import { RedisUnavailableError, UndecodableMessageError } from "./errors";
import { type RedisHost, requireHosts } from "./hosts";
import { Mailboxes } from "./mailboxes";
import { ShardConnection } from "./shard-connection";
import { consistentHash } from "./wire/crc-shard";
import { MessageCodec } from "./wire/message-codec";

/** Options of `RedisPubSubChannelLayer`, as `channels_redis.pubsub.RedisPubSubChannelLayer` takes them. */
export interface RedisPubSubChannelLayerOptions
  extends Pick<BaseChannelLayerOptions, "capacity" | "channelCapacity"> {
  /**
   * Redis servers (URLs, ioredis options, `{ address }` or Sentinel settings); several shard by CRC
   * like channels_redis, in the same order on every process.
   * @default ["redis://127.0.0.1:6379"]
   */
  hosts?: RedisHost[];
  /**
   * Group channels are `<prefix>__group__<group>`. Must match Django's `prefix`.
   * @default "asgi"
   */
  prefix?: string;
  /**
   * Fernet secrets (channels_redis ≥ 4.2.1 pub/sub; 4.0 ignores them, so leave empty to talk to it).
   * @default [] (no encryption)
   */
  symmetricEncryptionKeys?: string[];
  /**
   * How long `send`, `groupSend`, `groupAdd`, `newChannel` and a first `receive` wait for an
   * unreachable Redis before failing with `RedisUnavailableError`, in ms.
   * @default 5_000
   */
  sendTimeoutMs?: number;
  /**
   * Told about connection problems and about messages that could not be decoded (and were skipped).
   * @default logs with console.warn
   */
  onError?: (error: Error) => void;
}

/**
 * A channel layer on Redis PUBLISH/SUBSCRIBE, compatible with Django's
 * `channels_redis.pubsub.RedisPubSubChannelLayer`: nothing is stored, a message reaches whoever is
 * subscribed when it is published, and group membership lives in the member's process.
 * Messages that arrive while nobody waits are kept per channel, up to `capacity` (oldest dropped).
 */
export class RedisPubSubChannelLayer extends BaseChannelLayer {
  readonly prefix: string;
  readonly clientPrefix = randomBytes(16).toString("hex");
  private readonly shards: ShardConnection[];
  private readonly codec: MessageCodec;
  private readonly mailboxes: Mailboxes;
  private readonly onError: (error: Error) => void;
  /** Redis channels we are subscribed to → their SUBSCRIBE (settled once the shard confirms it). */
  private readonly subscribed = new Map<string, Promise<void>>();
  /** group → its local members. */
  private readonly groups = new Map<string, Set<string>>();
  private readonly listening = new Set<ShardConnection>();
  private readonly sendTimeoutMs: number;
  private closed = false;

  constructor(options: RedisPubSubChannelLayerOptions = {}) {
    super({ capacity: options.capacity, channelCapacity: options.channelCapacity });
    this.prefix = options.prefix ?? "asgi";
    const sendTimeoutMs = options.sendTimeoutMs ?? 5_000;
    if (!Number.isFinite(sendTimeoutMs) || sendTimeoutMs <= 0) {
      throw new ImproperlyConfigured(`sendTimeoutMs must be a positive number of ms; got ${sendTimeoutMs}.`);
    }
    this.sendTimeoutMs = sendTimeoutMs;
    this.onError = options.onError ?? ((error) => console.warn(`[channels-ts/layer-redis] ${error.message}`));
    this.codec = new MessageCodec({
      symmetricEncryptionKeys: options.symmetricEncryptionKeys,
      randomPrefixLength: 0,
    });
    this.mailboxes = new Mailboxes((channel) => this.getCapacity(channel));
    this.shards = requireHosts(options.hosts).map(
      (host) =>
        new ShardConnection(
          host,
          {},
          sendTimeoutMs,
          (error) => this.report(error),
          undefined,
          this.constructor.name,
        ),
    );
  }

  async send(channel: string, message: LayerMessage): Promise<void> {
    this.requireOpen();
    this.requireValidChannelName(channel);
    this.requireValidMessage(message);
    const payload = this.codec.encode(message);
    await this.shardFor(channel).run("send", (client) => client.publish(channel, payload));
  }

  async receive(channel: string, signal?: AbortSignal): Promise<LayerMessage> {
    this.requireOpen();
    this.requireValidChannelName(channel);
    signal?.throwIfAborted();
    const buffered = this.mailboxes.take(channel);
    if (buffered) return buffered;
    const waiting = this.mailboxes.wait(channel, signal);
    try {
      await this.subscribe(channel);
    } catch (error) {
      waiting.catch(() => {});
      throw error;
    }
    return waiting;
  }

  /** A new channel of this process, already subscribed (`specific.<clientPrefix>!<random>`). */
  async newChannel(prefix = "specific"): Promise<string> {
    this.requireOpen();
    const name = `${prefix}.${this.clientPrefix}!${randomBytes(16).toString("hex")}`;
    this.requireValidChannelName(name);
    await this.subscribe(name);
    return name;
  }

  /** Adds `channel` to `group` in this process (as Python's pub/sub layer, membership is process-local). */
  async groupAdd(group: string, channel: string): Promise<void> {
    this.requireOpen();
    this.requireValidGroupName(group);
    this.requireValidChannelName(channel);
    let members = this.groups.get(group);
    if (!members) {
      members = new Set();
      this.groups.set(group, members);
    }
    members.add(channel);
    await this.subscribe(this.groupChannel(group));
  }

  async groupDiscard(group: string, channel: string): Promise<void> {
    this.requireOpen();
    this.requireValidGroupName(group);
    this.requireValidChannelName(channel);
    const members = this.groups.get(group);
    if (!members?.delete(channel) || members.size > 0) return;
    this.groups.delete(group);
    await this.unsubscribe(this.groupChannel(group));
  }

  async groupSend(group: string, message: LayerMessage): Promise<void> {
    this.requireOpen();
    this.requireValidGroupName(group);
    this.requireValidMessage(message);
    const name = this.groupChannel(group);
    const payload = this.codec.encode(message);
    await this.shardFor(name).run("groupSend", (client) => client.publish(name, payload));
  }

  /** Forgets this process's groups and buffered messages; channels keep their subscriptions. */
  async flush(): Promise<void> {
    this.requireOpen();
    const groups = [...this.groups.keys()];
    this.groups.clear();
    this.mailboxes.clearBuffers();
    await Promise.all(groups.map((group) => this.unsubscribe(this.groupChannel(group))));
  }

  /** Resolves once every shard answers PING (the server's `/readyz` asks); rejects when one does not. */
  async ping(): Promise<void> {
    if (this.closed) throw new ChannelLayerClosed();
    await Promise.all(this.shards.map((shard) => shard.run("ping", (client) => client.ping())));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.shards.map((shard) => shard.close()));
    this.mailboxes.rejectAll(new ChannelLayerClosed());
  }

  private subscribe(name: string): Promise<void> {
    let done = this.subscribed.get(name);
    if (!done) {
      const shard = this.shardFor(name);
      this.listen(shard);
      done = (async () => {
        await shard.waitReady(shard.blocking, Date.now() + this.sendTimeoutMs, "subscribe");
        await shard.blocking.subscribe(name).catch((error: unknown) => {
          if (error instanceof Error && error.name === "ReplyError") throw error;
          throw new RedisUnavailableError(
            `subscribe to "${name}" on Redis ${shard.name} failed: ${String(error)}`,
            {
              cause: error,
            },
          );
        });
      })();
      this.subscribed.set(name, done);
      done.catch(() => this.subscribed.delete(name));
    }
    return done;
  }

  private async unsubscribe(name: string): Promise<void> {
    if (!this.subscribed.delete(name)) return;
    const client = this.shardFor(name).blocking;
    if (client.status === "ready") await client.unsubscribe(name).catch(() => {});
  }

  /** Routes every message the shard's subscriber connection gets (ioredis re-subscribes after reconnects). */
  private listen(shard: ShardConnection): void {
    if (this.listening.has(shard)) return;
    this.listening.add(shard);
    shard.blocking.on("messageBuffer", (channelBytes: Buffer, payload: Buffer) => {
      const channel = channelBytes.toString("utf8");
      const groupPrefix = `${this.prefix}__group__`;
      const members = channel.startsWith(groupPrefix)
        ? this.groups.get(channel.slice(groupPrefix.length))
        : undefined;
      const targets = members ? [...members] : [channel];
      let message: LayerMessage;
      try {
        message = this.codec.decode(payload) as LayerMessage;
      } catch (error) {
        this.report(new UndecodableMessageError(channel, error));
        return;
      }
      // Each member gets its own copy; decoding once is enough.
      targets.forEach((target, index) => {
        this.mailboxes.deliverOrBuffer(target, index === 0 ? message : copyMessage(message));
      });
    });
  }

  private groupChannel(group: string): string {
    return `${this.prefix}__group__${group}`;
  }

  private shardFor(name: string): ShardConnection {
    return this.shards[consistentHash(name, this.shards.length)]!;
  }

  private report(error: Error): void {
    try {
      this.onError(error);
    } catch {
      // A faulty hook must not stop message delivery.
    }
  }

  private requireOpen(): void {
    if (this.closed) throw new ChannelLayerClosed();
  }
}
