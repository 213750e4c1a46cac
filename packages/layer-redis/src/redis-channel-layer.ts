import {
  type BaseChannelLayerOptions,
  ChannelFull,
  ChannelLayerClosed,
  ImproperlyConfigured,
  InvalidChannelNameError,
  type LayerMessage,
} from "@channels-ts/core";
import { BaseChannelLayer, copyMessage, nonLocalName } from "@channels-ts/core/layers";
import { GroupMembershipsLostError, RedisUnavailableError, UndecodableMessageError } from "./errors";
import { type RedisHost, requireHosts } from "./hosts";
import { Mailboxes } from "./mailboxes";
import { type PumpOwner, ReceivePump } from "./receive-pump";
import { CORE_SCRIPTS, scripted } from "./script-client";
import { ShardConnection } from "./shard-connection";
import { consistentHash } from "./wire/crc-shard";
import { MessageCodec, pooledRandomBytes } from "./wire/message-codec";
import { mapHeader, packMessage, splitMap } from "./wire/msgpack-dialect";

/** Options of `RedisChannelLayer`; the names map onto channels_redis' settings (durations in ms). */
export interface RedisChannelLayerOptions extends BaseChannelLayerOptions {
  /**
   * Redis servers: URLs, ioredis options, `{ address, ...ioredisOptions }` or Sentinel settings.
   * Several hosts shard like channels_redis; every process must list the same hosts in the same order.
   * @default ["redis://127.0.0.1:6379"]
   */
  hosts?: RedisHost[];
  /**
   * Prepended to every key (no separator: channel `chat` → key `asgichat`). Must match Django's `prefix`.
   * @default "asgi"
   */
  prefix?: string;
  /**
   * Fernet secrets, as Django's `symmetric_encryption_keys`: the first encrypts, any decrypts.
   * @default [] (no encryption)
   */
  symmetricEncryptionKeys?: string[];
  /**
   * How long `send`, `groupSend`, `groupAdd`, `groupDiscard` and `flush` wait for an unreachable
   * or restarting Redis before failing with `RedisUnavailableError`, in ms.
   * @default 5_000
   */
  sendTimeoutMs?: number;
  /**
   * The most messages one pop takes from this process's own key, to feed every process-local
   * channel at once.
   * @default 100
   */
  receiveBatchSize?: number;
  /**
   * Told about connection problems and about messages skipped because they could not be decoded.
   * @default logs with console.warn
   */
  onError?: (error: Error) => void;
  /**
   * Told each time this process's group memberships were re-added after Redis came back (a restart
   * without persistence forgets every group), so group messages reach its channels again.
   * @default nothing
   */
  onGroupsRestored?: (restored: GroupsRestored) => void;
}

/** What `onGroupsRestored` is told. */
export interface GroupsRestored {
  /** The Redis server (shard) that reconnected. */
  host: string;
  groups: number;
  memberships: number;
}

/**
 * The type of the message a channel of this process gets when its group memberships could not be
 * restored after a Redis restart: `{ type: "layer.groups_lost", groups }`. WebSocket consumers close
 * with 1011 on it (so the client reconnects and rejoins); other consumers end with `NoHandlerError`.
 */
export const GROUPS_LOST = "layer.groups_lost";

const BLOCK_TIMEOUT_S = 5;
// From the pool: one system call per 4 KiB of randomness, not one per channel or message.
const hex = (bytes: number) => pooledRandomBytes(bytes).toString("hex");

/**
 * A channel layer on Redis, wire-compatible with Django's `channels_redis.core.RedisChannelLayer`
 * 4.x: a Django process and a Node process on the same Redis send to each other's channels and groups.
 */
export class RedisChannelLayer extends BaseChannelLayer {
  readonly prefix: string;
  readonly hosts: readonly RedisHost[];
  /** This process's part of every name `newChannel()` makes (`specific.<clientPrefix>!…`). */
  readonly clientPrefix = hex(16);
  private readonly wakeKey: string;
  /** How the non-local part of this process's channel names ends: `.<clientPrefix>!`. */
  private readonly ownKeySuffix: string;
  private readonly putBacks = new Set<Promise<unknown>>();
  /** Messages skipped on receive because they were older than `expiryMs`. */
  expiredMessages = 0;
  private readonly shards: ShardConnection[];
  private readonly pumps: ReceivePump[];
  private readonly codec: MessageCodec;
  private readonly mailboxes: Mailboxes;
  private readonly receiveBatchSize: number;
  private readonly onError: (error: Error) => void;
  private readonly oneTripGroupSend: boolean;
  private readonly onGroupsRestored: ((restored: GroupsRestored) => void) | undefined;
  /**
   * The groups this process's own channels joined: group → channel → the score it joined with.
   * Re-added after Redis comes back empty, so delivery resumes without clients reconnecting.
   */
  private readonly memberships = new Map<string, Map<string, number>>();
  private readonly restoring = new Map<ShardConnection, { again: boolean; done: Promise<void> }>();
  private lastScore = 0;
  private closed = false;

  constructor(options: RedisChannelLayerOptions = {}) {
    super(options);
    this.hosts = requireHosts(options.hosts);
    this.prefix = options.prefix ?? "asgi";
    const sendTimeoutMs = options.sendTimeoutMs ?? 5_000;
    if (!Number.isFinite(sendTimeoutMs) || sendTimeoutMs <= 0) {
      throw new ImproperlyConfigured(`sendTimeoutMs must be a positive number of ms; got ${sendTimeoutMs}.`);
    }
    this.receiveBatchSize = options.receiveBatchSize ?? 100;
    if (!Number.isInteger(this.receiveBatchSize) || this.receiveBatchSize < 1) {
      throw new ImproperlyConfigured(
        `receiveBatchSize must be a whole number ≥ 1; got ${this.receiveBatchSize}.`,
      );
    }
    this.onError = options.onError ?? ((error) => console.warn(`[channels-ts/layer-redis] ${error.message}`));
    this.codec = new MessageCodec({
      symmetricEncryptionKeys: options.symmetricEncryptionKeys,
      randomPrefixLength: 12,
      tokenTtlS: Math.ceil(this.expiryMs / 1000) + 10,
    });
    this.wakeKey = `${this.prefix}:wake:${this.clientPrefix}`;
    this.ownKeySuffix = `.${this.clientPrefix}!`;
    this.mailboxes = new Mailboxes((channel) => this.getCapacity(channel), this.expiryMs);
    this.onGroupsRestored = options.onGroupsRestored;
    this.shards = this.hosts.map((host) => {
      const shard: ShardConnection = new ShardConnection(
        host,
        CORE_SCRIPTS,
        sendTimeoutMs,
        (e) => this.report(e),
        () => void this.restoreGroups(shard),
        this.constructor.name,
      );
      return shard;
    });
    const owner: PumpOwner = {
      isClosed: () => this.closed,
      wakeKey: this.wakeKey,
      wantedKeys: () => this.wantedKeys(),
      dispatch: (shard, key, member, score) => this.dispatch(shard, key, member, score),
      report: (error) => this.report(error),
    };
    this.pumps = this.shards.map((shard) => new ReceivePump(shard, owner, BLOCK_TIMEOUT_S));
    const hasCapacityRules =
      options.channelCapacity !== undefined &&
      (Array.isArray(options.channelCapacity)
        ? options.channelCapacity.length > 0
        : Object.keys(options.channelCapacity).length > 0);
    this.oneTripGroupSend = this.shards.length === 1 && !this.codec.encrypted && !hasCapacityRules;
  }

  async send(channel: string, message: LayerMessage): Promise<void> {
    this.requireOpen();
    this.requireValidChannelName(channel);
    this.requireValidMessage(message);
    if (this.isOwnChannel(channel)) {
      // A channel of this very process: hand it over here, in order with this process's
      // groupSends to it, without a round trip (other processes' messages still come via Redis).
      packMessage(message); // the values must be ones Redis could carry, wherever the receiver is
      if (!this.mailboxes.offer(channel, copyMessage(message))) throw new ChannelFull(channel);
      return;
    }
    const local = channel.includes("!");
    const member = this.codec.encode(local ? { ...message, __asgi_channel__: channel } : message);
    const nonLocal = nonLocalName(channel);
    // Python hashes the full name here (channels_redis #221); the non-local part is where readers look.
    const shard = this.shardFor(nonLocal);
    const stored = await shard.run("send", (client) =>
      scripted(client).channelsSend(
        this.prefix + nonLocal,
        member,
        String(this.nextScore()),
        this.cutoff(this.expiryMs),
        this.getCapacity(channel),
        this.expiryMsForRedis(),
      ),
    );
    if (stored !== 1) throw new ChannelFull(channel);
  }

  // Not `async`: a receive that waits returns the mailbox's own promise, one promise and no extra
  // microtask hops per message (every consumer's hot path).
  receive(channel: string, signal?: AbortSignal): Promise<LayerMessage> {
    try {
      this.requireOpen();
      this.requireValidChannelName(channel);
      const nonLocal = nonLocalName(channel);
      if (nonLocal !== channel && !nonLocal.endsWith(this.ownKeySuffix)) {
        // Reading another process's key would steal the messages of all its channels (Python asserts too).
        throw new InvalidChannelNameError(
          `receive("${channel}"): a process-local channel can only be received by the layer that made it with newChannel().`,
        );
      }
      signal?.throwIfAborted();
      const buffered = this.mailboxes.take(channel);
      if (buffered) return Promise.resolve(buffered);
      const waiting = this.mailboxes.wait(channel, signal);
      const key = this.prefix + nonLocal;
      for (const pump of this.pumps) pump.want(key);
      return waiting;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async newChannel(prefix = "specific"): Promise<string> {
    this.requireOpen();
    const name = `${prefix}.${this.clientPrefix}!${hex(16)}`;
    this.requireValidChannelName(name);
    return name;
  }

  async groupAdd(group: string, channel: string): Promise<void> {
    this.requireOpen();
    this.requireValidGroupName(group);
    this.requireValidChannelName(channel);
    const score = this.nextScore();
    const own = this.isOwnChannel(channel);
    if (own) this.remember(group, channel, score);
    try {
      await this.shardFor(group).run("groupAdd", (client) =>
        scripted(client).channelsGroupAdd(
          this.groupKey(group),
          String(score),
          channel,
          Math.max(1, Math.round(this.groupExpiryMs)),
        ),
      );
    } catch (error) {
      // The caller is told it failed; a later restore must not add it behind their back.
      if (own && this.memberships.get(group)?.get(channel) === score) this.forget(group, channel);
      throw error;
    }
  }

  async groupDiscard(group: string, channel: string): Promise<void> {
    this.requireOpen();
    this.requireValidGroupName(group);
    this.requireValidChannelName(channel);
    // Forgotten first: a consumer leaving during an outage must not be re-added when Redis returns.
    this.forget(group, channel);
    await this.shardFor(group).run("groupDiscard", (client) => client.zrem(this.groupKey(group), channel));
  }

  async groupSend(group: string, message: LayerMessage): Promise<void> {
    this.requireOpen();
    this.requireValidGroupName(group);
    this.requireValidMessage(message);
    if (this.oneTripGroupSend) await this.groupSendOneTrip(group, message);
    else await this.groupSendByShard(group, message);
  }

  async flush(): Promise<void> {
    this.requireOpen();
    await Promise.all(
      this.shards.map((shard) =>
        shard.run("flush", (client) => scripted(client).channelsFlush(`${this.prefix}*`)),
      ),
    );
    this.mailboxes.clearBuffers();
    this.memberships.clear();
  }

  /** Resolves once every shard answers PING (the server's `/readyz` asks); rejects when one does not. */
  async ping(): Promise<void> {
    if (this.closed) throw new ChannelLayerClosed();
    await Promise.all(this.shards.map((shard) => shard.run("ping", (client) => client.ping())));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.memberships.clear();
    // Let blocked pops return (and put back what they took) before the connections go.
    const stopped = Promise.all(this.pumps.map((pump) => pump.stopped()));
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    await Promise.all(this.putBacks);
    await Promise.all(this.shards.map((shard) => shard.close()));
    await stopped;
    this.mailboxes.rejectAll(new ChannelLayerClosed());
  }

  // ---- receiving ------------------------------------------------------------------------------

  /** Redis key → how many members to pop: the keys someone in this process is waiting on. */
  private wantedKeys(): Map<string, number> {
    const wanted = new Map<string, number>();
    for (const [channel, count] of this.mailboxes.waitingChannels()) {
      const nonLocal = nonLocalName(channel);
      const key = this.prefix + nonLocal;
      // Our own key feeds every local channel: take a batch. A shared plain channel: only what we need.
      const take = nonLocal.endsWith("!") ? this.receiveBatchSize : count + (wanted.get(key) ?? 0);
      wanted.set(key, take);
    }
    return wanted;
  }

  /** Routes one popped member: to waiters, to a local buffer, or back to Redis. */
  private dispatch(shard: ShardConnection, key: string, member: Buffer, score: number): void {
    if (score * 1000 < Date.now() - this.expiryMs) {
      this.expiredMessages++;
      return;
    }
    const name = key.slice(this.prefix.length);
    let message: Record<string, unknown>;
    try {
      message = this.codec.decode(member);
    } catch (error) {
      this.report(new UndecodableMessageError(key, error));
      return;
    }
    const target = message.__asgi_channel__;
    delete message.__asgi_channel__;
    if (name.endsWith("!")) {
      // Python's receiver files a message without the field under the bare key name; so do we.
      const names = typeof target === "string" ? [target] : Array.isArray(target) ? target : [name];
      try {
        // Each channel gets its own copy; decoding (and decrypting) once is enough. The first
        // copy also checks the values (an ext type from a foreign writer is refused here).
        const copies = names.map(() => copyMessage(message as LayerMessage));
        names.forEach((channel, index) => {
          if (typeof channel === "string") this.mailboxes.deliverOrBuffer(channel, copies[index]!);
        });
      } catch (error) {
        this.report(new UndecodableMessageError(key, error));
      }
      return;
    }
    if (!this.closed && this.mailboxes.deliver(name, message as LayerMessage)) return;
    // The receiver left (aborted) while the pop was in flight: give the message back to Redis.
    const putBack = shard
      .run("put back", (client) =>
        scripted(client).channelsPutBack(key, String(score), member, this.expiryMsForRedis()),
      )
      .catch((error: unknown) => {
        this.report(new Error(`lost a message on "${name}": could not put it back (${String(error)})`));
      })
      .finally(() => this.putBacks.delete(putBack));
    this.putBacks.add(putBack);
  }

  private report(error: Error): void {
    try {
      this.onError(error);
    } catch {
      // A faulty hook must not stop the receive loop.
    }
  }

  // ---- group memberships across Redis restarts ------------------------------------------------

  private remember(group: string, channel: string, score: number): void {
    let members = this.memberships.get(group);
    if (!members) {
      members = new Map();
      this.memberships.set(group, members);
    }
    members.set(channel, score);
  }

  private forget(group: string, channel: string): void {
    const members = this.memberships.get(group);
    if (!members?.delete(channel)) return;
    if (members.size === 0) this.memberships.delete(group);
  }

  /**
   * Re-adds, with the scores they joined with (so group expiry still counts from then), every
   * membership of this process's channels in groups on `shard`, after its connection came back.
   * Idempotent, so a reconnect to a Redis that kept its data changes nothing. If Redis refuses, the
   * affected channels get a `layer.groups_lost` message, so no consumer waits on a group in vain.
   */
  private restoreGroups(shard: ShardConnection): Promise<void> {
    // One restore per shard at a time; a reconnect during one asks for another after it.
    const state = this.restoring.get(shard);
    if (state) {
      state.again = true;
      return state.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        do {
          entry.again = false;
          if (!(await this.restoreGroupsOnce(shard))) entry.again = !this.closed;
        } while (entry.again && !this.closed);
      } finally {
        this.restoring.delete(shard);
      }
    })();
    this.restoring.set(shard, entry);
    return entry.done;
  }

  /** One attempt; false when Redis was unreachable (so the caller tries again once it is back). */
  private async restoreGroupsOnce(shard: ShardConnection): Promise<boolean> {
    const cutoff = (Date.now() - this.groupExpiryMs) / 1000;
    const snapshot: Array<{ group: string; members: Array<[string, number]> }> = [];
    for (const [group, members] of this.memberships) {
      if (this.shardFor(group) !== shard) continue;
      for (const [channel, score] of members) if (score <= cutoff) this.forget(group, channel);
      if (members.size > 0) snapshot.push({ group, members: [...members] });
    }
    if (snapshot.length === 0 || this.closed) return true;
    const expiry = Math.max(1, Math.round(this.groupExpiryMs));
    let memberships = 0;
    try {
      await shard.run("restore groups", async (client) => {
        const pipeline = client.pipeline();
        for (const { group, members } of snapshot) {
          const key = this.groupKey(group);
          for (const [channel, score] of members) pipeline.zadd(key, String(score), channel);
          pipeline.pexpire(key, expiry);
          memberships += members.length;
        }
        for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
      });
    } catch (error) {
      // Redis went away again: try again (waiting for it). Redis refused: tell the consumers.
      if (this.closed) return true;
      if (error instanceof RedisUnavailableError) return false;
      this.dropMemberships(snapshot, error);
      return true;
    }
    // Left while the writes were in flight: take them out again.
    for (const { group, members } of snapshot) {
      const gone = members.filter(([channel]) => !this.memberships.get(group)?.has(channel));
      if (gone.length > 0) {
        await shard
          .run("groupDiscard", (client) => client.zrem(this.groupKey(group), ...gone.map(([c]) => c)))
          .catch(() => {});
      }
    }
    try {
      this.onGroupsRestored?.({ host: shard.name, groups: snapshot.length, memberships });
    } catch {
      // A faulty hook must not stop anything.
    }
    return true;
  }

  private dropMemberships(
    snapshot: Array<{ group: string; members: Array<[string, number]> }>,
    error: unknown,
  ) {
    const byChannel = new Map<string, string[]>();
    for (const { group, members } of snapshot) {
      for (const [channel] of members) {
        this.forget(group, channel);
        const groups = byChannel.get(channel);
        if (groups) groups.push(group);
        else byChannel.set(channel, [group]);
      }
    }
    this.report(
      new GroupMembershipsLostError(
        snapshot.map((s) => s.group),
        [...byChannel.keys()],
        error,
      ),
    );
    for (const [channel, groups] of byChannel)
      this.mailboxes.deliverOrBuffer(channel, { type: GROUPS_LOST, groups });
  }

  // ---- helpers --------------------------------------------------------------------------------

  private async groupSendOneTrip(group: string, message: LayerMessage): Promise<void> {
    const { size, entries } = splitMap(packMessage(message));
    // One random prefix per call keeps members distinct; each key gets one member per call.
    const header = mapHeader(size + 1);
    const head = pooledRandomBytes(12, header.length);
    head.set(header, 12);
    const [dropped, locals] = await this.shards[0]!.run("groupSend", (client) =>
      scripted(client).channelsGroupSendOneTrip(
        this.groupKey(group),
        this.cutoff(this.groupExpiryMs),
        this.prefix,
        String(this.nextScore()),
        this.cutoff(this.expiryMs),
        this.expiryMsForRedis(),
        this.capacity,
        head,
        Buffer.from(entries.buffer, entries.byteOffset, entries.byteLength),
        this.ownKeySuffix,
      ),
    );
    for (const channel of dropped) this.recordDrop(group, channel);
    this.deliverLocally(group, locals, message);
  }

  private async groupSendByShard(group: string, message: LayerMessage): Promise<void> {
    packMessage(message); // fail on bad values before touching Redis
    const members = await this.shardFor(group).run("groupSend", (client) =>
      scripted(client).channelsGroupMembers(this.groupKey(group), this.cutoff(this.groupExpiryMs)),
    );
    const byKey = new Map<string, string[]>();
    const locals: string[] = [];
    for (const channel of members) {
      if (this.isOwnChannel(channel)) {
        locals.push(channel);
        continue;
      }
      const key = this.prefix + nonLocalName(channel);
      const names = byKey.get(key);
      if (names) names.push(channel);
      else byKey.set(key, [channel]);
    }
    const byShard = new Map<number, Array<{ key: string; names: string[] }>>();
    for (const [key, names] of byKey) {
      const index = this.shardIndex(nonLocalName(names[0]!));
      const list = byShard.get(index);
      if (list) list.push({ key, names });
      else byShard.set(index, [{ key, names }]);
    }
    this.deliverLocally(group, locals, message);
    const score = String(this.nextScore());
    await Promise.all(
      [...byShard].map(async ([index, entries]) => {
        const args = [
          entries.length,
          ...entries.map((e) => e.key),
          ...entries.map((e) => this.codec.encode({ ...message, __asgi_channel__: e.names })),
          ...entries.map((e) => this.getCapacity(e.names[0]!)),
          score,
          this.cutoff(this.expiryMs),
          this.expiryMsForRedis(),
        ];
        const full = await this.shards[index]!.run("groupSend", (client) =>
          scripted(client).channelsGroupWrite(...(args as [number, ...Array<string | number | Buffer>])),
        );
        for (const position of full)
          for (const channel of entries[position - 1]!.names) this.recordDrop(group, channel);
      }),
    );
  }

  /** Whether `channel` was made by this layer's `newChannel()`. */
  private isOwnChannel(channel: string): boolean {
    const bang = channel.indexOf("!");
    return bang !== -1 && channel.startsWith(this.ownKeySuffix, bang - this.ownKeySuffix.length + 1);
  }

  /** groupSend's share for this process's own members: a copy each, straight into their mailboxes. */
  private deliverLocally(group: string, channels: string[], message: LayerMessage): void {
    for (const channel of channels) {
      if (!this.mailboxes.offer(channel, copyMessage(message))) this.recordDrop(group, channel);
    }
  }

  private groupKey(group: string): string {
    return `${this.prefix}:group:${group}`;
  }

  private shardIndex(name: string): number {
    return consistentHash(name, this.shards.length);
  }

  private shardFor(name: string): ShardConnection {
    return this.shards[this.shardIndex(name)]!;
  }

  /** Float seconds like Python's `time.time()`, strictly increasing so one sender's messages stay in order. */
  private nextScore(): number {
    const now = Date.now() / 1000;
    this.lastScore = now > this.lastScore ? now : this.lastScore + 1e-6;
    return this.lastScore;
  }

  /** The score at or below which entries older than `ms` are trimmed. */
  private cutoff(ms: number): string {
    return String((Date.now() - ms) / 1000);
  }

  private expiryMsForRedis(): number {
    return Math.max(1, Math.round(this.expiryMs));
  }

  private requireOpen(): void {
    if (this.closed) throw new ChannelLayerClosed();
  }
}
