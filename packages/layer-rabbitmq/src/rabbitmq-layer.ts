import {
  ChannelFull,
  ChannelLayerClosed,
  InvalidChannelNameError,
  type LayerMessage,
} from "@channels-ts/core";
import { BaseChannelLayer } from "@channels-ts/core/layers";
import type { ConsumeMessage, Options } from "amqplib";
import { encodeMessage } from "./codec";
import { BrokerConnection, type Session } from "./connection";
import { RabbitMQUnavailableError } from "./errors";
import { GroupMembers } from "./groups";
import { LocalChannels } from "./local-channels";
import { BrokerNames, clientIdOf, randomToken } from "./names";
import { type RabbitMQChannelLayerOptions, type RabbitMQSettings, resolveSettings } from "./options";
import { PlainChannels } from "./plain-channels";
import { PlainQueues } from "./plain-queues";

/** Message headers. */
const CHANNEL = "x-channel"; // the process-local channel a direct message is for
const EXPIRES_AT = "x-expires-at"; // ms since epoch, the sender's clock
const ORIGIN = "x-origin"; // the client id that sent a group message

/** The channel a group message was dropped for, when RabbitMQ does not say (a full remote process queue). */
const UNKNOWN_MEMBER = "*";

const ignore = () => {};

/**
 * A channel layer on RabbitMQ, designed after Python's channels_rabbitmq:
 *
 * - each layer instance (each process) owns an exclusive queue for its process-local channels
 *   (`newChannel()`), and demultiplexes it into per-channel buffers;
 * - a plain channel (no `!`) is a durable queue that every process can read from, each message
 *   going to one reader;
 * - a group is a binding of the member processes' queues on a direct exchange: a `groupSend` is
 *   one publish, and each process hands copies to its own members (local fan-out);
 * - expiry is a per-message TTL; capacity is a queue length limit that makes the broker refuse the
 *   publish, and publisher confirms turn that into `ChannelFull` (a `send` resolves once the
 *   broker has the message);
 * - a lost connection is re-established with backoff, re-declaring the queues, re-binding the
 *   groups and resuming the consumers; calls made meanwhile wait up to `sendTimeoutMs`, then
 *   reject with `RabbitMQUnavailableError`.
 */
export class RabbitMQChannelLayer extends BaseChannelLayer {
  readonly prefix: string;
  /** The id in this layer's process-local channel names (`specific.<clientId>!…`). */
  readonly clientId: string;
  private readonly settings: RabbitMQSettings;
  private readonly names: BrokerNames;
  private readonly connection: BrokerConnection;
  private readonly local: LocalChannels;
  private readonly plain: PlainChannels;
  private readonly plainQueues: PlainQueues;
  private readonly members = new GroupMembers();
  /** Groups whose binding `groupAdd` is creating. */
  private readonly binding = new Map<string, Promise<void>>();
  private lastSweep = 0;
  private closed = false;

  constructor(options: RabbitMQChannelLayerOptions = {}) {
    super(options);
    this.settings = resolveSettings(options);
    this.prefix = this.settings.prefix;
    this.clientId = randomToken(16);
    this.names = new BrokerNames(this.prefix, this.clientId);
    this.local = new LocalChannels(
      (channel) => this.getCapacity(channel),
      (channel) => this.evict(channel),
      this.settings.onError,
    );
    this.plainQueues = new PlainQueues(
      this.names,
      (channel) => this.getCapacity(channel),
      this.settings.queueExpiryMs,
    );
    this.plain = new PlainChannels({
      currentSession: () => this.connection.current,
      declare: (session, channel) => this.plainQueues.declare(session, channel),
      expiresAt: (delivery) => this.expiresAtOf(delivery),
      onUndecodable: this.settings.onError,
    });
    this.connection = new BrokerConnection({
      url: this.settings.url,
      reconnectDelayMs: this.settings.reconnectDelayMs,
      maxReconnectDelayMs: this.settings.maxReconnectDelayMs,
      prefetchCount: this.settings.prefetchCount,
      connectionName: `channels-ts ${this.names.processQueue}`,
      setup: (session) => this.setup(session),
      onReady: (session) => this.plain.resume(session),
      onError: this.settings.onError,
      onLost: (session) => {
        this.plainQueues.reset();
        this.plain.lost(session);
      },
    });
    this.connection.start();
  }

  /** `true` while connected to the broker (and set up). */
  get isConnected(): boolean {
    return this.connection.current !== null;
  }

  /** Resolves once connected to the broker; rejects with `RabbitMQUnavailableError` after `timeoutMs`. */
  async ready(timeoutMs = this.settings.sendTimeoutMs): Promise<void> {
    this.requireOpen();
    await this.connection.session(timeoutMs);
  }

  async send(channel: string, message: LayerMessage): Promise<void> {
    this.requireOpen();
    this.requireValidChannelName(channel);
    this.requireValidMessage(message);
    const body = encodeMessage(message);
    const expiresAt = Date.now() + this.expiryMs;
    if (!(await this.deliver(channel, body, expiresAt))) throw new ChannelFull(channel);
  }

  async receive(channel: string, signal?: AbortSignal): Promise<LayerMessage> {
    this.requireOpen();
    this.requireValidChannelName(channel);
    signal?.throwIfAborted();
    this.maybeSweep();
    const clientId = clientIdOf(channel);
    if (clientId === null) return this.plain.receive(channel, signal);
    if (clientId !== this.clientId) {
      throw new InvalidChannelNameError(
        `Channel "${channel}" is process-local to another layer instance: only the layer whose newChannel() made it can receive on it.`,
      );
    }
    return this.local.receive(channel, signal);
  }

  async newChannel(prefix = "specific"): Promise<string> {
    this.requireOpen();
    const name = this.names.newChannel(prefix);
    this.requireValidChannelName(name);
    return name;
  }

  async groupAdd(group: string, channel: string): Promise<void> {
    this.requireOpen();
    this.requireValidGroupName(group);
    this.requireValidChannelName(channel);
    if (!this.members.add(group, channel, Date.now())) {
      // Known here already; if its binding is still on the way, resolve only once it is in place.
      await this.binding.get(group);
      return;
    }
    // New here: bind this process's queue so the group's messages reach it.
    const bound = this.bind(group);
    this.binding.set(group, bound.catch(ignore));
    try {
      await bound;
    } catch (error) {
      this.members.discard(group, channel);
      throw error;
    } finally {
      this.binding.delete(group);
    }
  }

  async groupDiscard(group: string, channel: string): Promise<void> {
    this.requireOpen();
    this.requireValidGroupName(group);
    this.requireValidChannelName(channel);
    if (this.members.discard(group, channel)) await this.unbind(group);
  }

  async groupSend(group: string, message: LayerMessage): Promise<void> {
    this.requireOpen();
    this.requireValidGroupName(group);
    this.requireValidMessage(message);
    const body = encodeMessage(message);
    const expiresAt = Date.now() + this.expiryMs;
    this.maybeSweep();
    // This process's members get their copies directly; the exchange carries the others'.
    const [local, remote] = await Promise.allSettled([
      this.fanOut(group, body, expiresAt),
      this.publish(this.names.groupsExchange, group, body, expiresAt, {
        headers: { [ORIGIN]: this.clientId },
      }),
    ]);
    if (remote.status === "fulfilled" && !remote.value) this.recordDrop(group, UNKNOWN_MEMBER);
    if (local.status === "rejected") throw local.reason;
    if (remote.status === "rejected") throw remote.reason;
  }

  async flush(): Promise<void> {
    this.requireOpen();
    this.local.clear();
    this.plain.flushHeld();
    const groups = this.members.clear();
    const session = await this.connection.session(this.settings.sendTimeoutMs);
    for (const group of groups) {
      await this.onAdmin(session, (admin) =>
        admin.unbindQueue(this.names.processQueue, this.names.groupsExchange, group),
      );
    }
    const queues = new Set([
      this.names.processQueue,
      ...this.plainQueues.queues(),
      ...this.plain.channels().map((c) => this.names.plainQueue(c)),
    ]);
    for (const queue of queues) await this.onAdmin(session, (admin) => admin.purgeQueue(queue));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local.close();
    this.plain.close();
    await this.connection.close();
  }

  /** Puts `body` on `channel`, wherever it lives; `false` when the channel is full. */
  private async deliver(channel: string, body: Buffer, expiresAt: number): Promise<boolean> {
    const clientId = clientIdOf(channel);
    if (clientId === this.clientId) return this.local.deliver(channel, body, expiresAt);
    if (clientId !== null) {
      // Another process's channel: its process queue. If that process is gone, the broker drops it.
      return this.publish("", this.names.processQueueOf(clientId), body, expiresAt, {
        headers: { [CHANNEL]: channel },
      });
    }
    return this.publish("", channel, body, expiresAt, { persistent: this.settings.persistent }, true);
  }

  /**
   * Publishes with a confirm, bounded by `sendTimeoutMs` in all: `true` when the broker took the
   * message, `false` when a full queue refused it. `plain` routes to the plain channel `routingKey`.
   */
  private async publish(
    exchange: string,
    routingKey: string,
    body: Buffer,
    expiresAt: number,
    options: Options.Publish,
    plain = false,
  ): Promise<boolean> {
    const ttl = expiresAt - Date.now();
    if (ttl <= 0) return true; // expired before it left: dropped, as the broker would
    const timeoutMs = this.settings.sendTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const session = await this.connection.session(timeoutMs);
    const work = (async () => {
      const key = plain ? await this.plainQueues.declare(session, routingKey) : routingKey;
      return session.publish(exchange, key, body, {
        ...options,
        expiration: String(Math.ceil(ttl)),
        headers: { ...options.headers, [EXPIRES_AT]: expiresAt },
      });
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            this.connection.unavailable(
              `no confirmation within ${timeoutMs} ms; the message may or may not have been delivered`,
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (error) {
      if (error instanceof RabbitMQUnavailableError) throw error;
      if (this.closed) throw new ChannelLayerClosed();
      if (!session.dead) throw error;
      throw this.connection.unavailable(
        "the connection was lost before the broker confirmed the message; it may or may not have been delivered",
      );
    } finally {
      clearTimeout(timer);
      work.catch(ignore);
    }
  }

  /**
   * Hands a group message to this process's members of `group`; resolves once all have it (or
   * refused it: counted as drops). Rejects, after trying them all, if a member could not be reached.
   */
  private async fanOut(group: string, body: Buffer, expiresAt: number): Promise<void> {
    const { channels, emptied } = this.members.members(group, Date.now() - this.groupExpiryMs);
    if (emptied) void this.unbind(group).catch(ignore);
    let failure: unknown;
    const remote: Promise<void>[] = [];
    for (const channel of channels) {
      // This process's channels synchronously; the others (plain, other processes') via the broker.
      if (this.names.isOwn(channel)) {
        if (!this.local.deliver(channel, body, expiresAt)) this.recordDrop(group, channel);
        continue;
      }
      remote.push(
        this.deliver(channel, body, expiresAt).then(
          (ok) => (ok ? undefined : this.recordDrop(group, channel)),
          (error: unknown) => {
            failure ??= error;
          },
        ),
      );
    }
    if (remote.length > 0) await Promise.all(remote);
    if (failure !== undefined) throw failure;
  }

  /** Runs on every new connection before it counts as ready. */
  private async setup(session: Session): Promise<void> {
    const admin = await session.admin();
    await admin.assertExchange(this.names.groupsExchange, "direct", { durable: true });
    await admin.assertQueue(this.names.processQueue, {
      exclusive: true,
      durable: false,
      arguments: { "x-max-length": this.settings.processQueueCapacity, "x-overflow": "reject-publish" },
    });
    for (const group of this.members.names()) {
      await admin.bindQueue(this.names.processQueue, this.names.groupsExchange, group);
    }
    await session.consumer.consume(this.names.processQueue, (delivery) =>
      this.onProcessDelivery(session, delivery),
    );
  }

  /** A message on this process's queue: for one of its channels, or a group copy to fan out. */
  private onProcessDelivery(session: Session, delivery: ConsumeMessage | null): void {
    if (session.dead) return;
    if (delivery === null) {
      // Our queue was deleted under us: reconnecting declares it again.
      void session.model.close().catch(ignore);
      return;
    }
    try {
      session.consumer.ack(delivery);
    } catch {
      return; // the channel just closed; the broker gives the message to nobody else
    }
    const headers = delivery.properties.headers ?? {};
    const expiresAt = this.expiresAtOf(delivery);
    if (delivery.fields.exchange === this.names.groupsExchange) {
      const group = delivery.fields.routingKey;
      if (headers[ORIGIN] === this.clientId) return; // our own members got it at send time
      // A binding left behind by a groupDiscard that overtook its groupAdd: remove it.
      if (!this.members.has(group) && !this.binding.has(group)) void this.unbind(group).catch(ignore);
      else void this.fanOut(group, delivery.content, expiresAt).catch(ignore);
      return;
    }
    const channel = headers[CHANNEL];
    // A full channel drops it: the sender's publish already succeeded, as in channels_redis.
    if (typeof channel === "string" && this.names.isOwn(channel))
      this.local.deliver(channel, delivery.content, expiresAt);
  }

  /** When a delivered message expires: the sender's deadline, but never later than our own expiry from now. */
  private expiresAtOf(delivery: ConsumeMessage): number {
    const local = Date.now() + this.expiryMs;
    const header = delivery.properties.headers?.[EXPIRES_AT];
    const sent = typeof header === "number" || typeof header === "bigint" ? Number(header) : Number.NaN;
    return Number.isFinite(sent) ? Math.min(sent, local) : local;
  }

  /** Binds this process's queue for `group`; a connection lost meanwhile binds it again on reconnection. */
  private async bind(group: string): Promise<void> {
    const session = await this.connection.session(this.settings.sendTimeoutMs);
    try {
      await (await session.admin()).bindQueue(this.names.processQueue, this.names.groupsExchange, group);
    } catch (error) {
      if (!session.dead) throw error; // the next connection binds every group with members
    }
  }

  private async unbind(group: string): Promise<void> {
    // Without a connection there is nothing to undo: the exclusive queue and its bindings went with it.
    const session = this.connection.current;
    if (!session) return;
    await this.onAdmin(session, (admin) =>
      admin.unbindQueue(this.names.processQueue, this.names.groupsExchange, group),
    ).catch(ignore);
  }

  /** Runs an admin operation; a failure that closed only the admin channel is ignored when the session lives on. */
  private async onAdmin(
    session: Session,
    operation: (admin: Awaited<ReturnType<Session["admin"]>>) => Promise<unknown>,
  ) {
    try {
      await operation(await session.admin());
    } catch (error) {
      if (session.dead) throw this.connection.unavailable("the connection was lost");
      if ((error as { code?: unknown }).code === undefined) throw error;
    }
  }

  /** A channel that let a message expire leaves its groups (Django's rule). */
  private evict(channel: string): void {
    for (const group of this.members.evict(channel)) void this.unbind(group).catch(ignore);
  }

  /** Drops expired local messages a few times a second at most. */
  private maybeSweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < Math.min(this.expiryMs / 2, 250)) return;
    this.lastSweep = now;
    this.local.sweep();
  }

  private requireOpen(): void {
    if (this.closed) throw new ChannelLayerClosed();
  }
}
