/**
 * One AMQP connection that heals itself: it reconnects with exponential backoff after any loss, runs
 * the layer's `setup` (declare, bind, consume) on every new connection before calling it ready, and
 * lets callers wait a bounded time for a ready session.
 */
import { ChannelLayerClosed } from "@channels-ts/core";
import { type Channel, type ChannelModel, type ConfirmChannel, connect, type Options } from "amqplib";
import { RabbitMQUnavailableError, redactUrl } from "./errors";

const ignore = () => {};

/** The channels of one live connection. Dead once the connection closes; a new one replaces it. */
export class Session {
  dead = false;
  private adminChannel: Promise<Channel> | undefined;

  constructor(
    readonly model: ChannelModel,
    /** Publishes with confirms. */
    readonly publisher: ConfirmChannel,
    /** Consumes the process queue and the plain channels. */
    readonly consumer: Channel,
  ) {}

  /**
   * The channel for declarations and bindings. A failed declaration (say, a queue that exists with
   * other arguments) closes it, so it is recreated on demand instead of taking the others down.
   */
  admin(): Promise<Channel> {
    if (!this.adminChannel) {
      const created = this.model.createChannel().then((channel) => {
        channel.on("error", ignore);
        channel.on("close", () => {
          if (this.adminChannel === created) this.adminChannel = undefined;
        });
        return channel;
      });
      created.catch(() => {
        if (this.adminChannel === created) this.adminChannel = undefined;
      });
      this.adminChannel = created;
    }
    return this.adminChannel;
  }

  /** Publishes and waits for the broker's verdict: `true` when it took the message, `false` when it refused it (a full queue). */
  publish(exchange: string, routingKey: string, body: Buffer, options: Options.Publish): Promise<boolean> {
    return new Promise((resolve, reject) => {
      try {
        this.publisher.publish(exchange, routingKey, body, options, (error: unknown) => {
          if (!error) resolve(true);
          else if (error instanceof Error && error.message === "message nacked") resolve(false);
          else reject(error);
        });
      } catch (error) {
        reject(error);
      }
    });
  }
}

export interface BrokerConnectionOptions {
  url: string | Options.Connect;
  reconnectDelayMs: number;
  maxReconnectDelayMs: number;
  prefetchCount: number;
  /** A name shown in the broker's connection list. */
  connectionName: string;
  /** Declares, binds and consumes on a new connection; it is ready once this resolves. */
  setup(session: Session): Promise<void>;
  /** Runs once the session is ready (resumes work that waited for a connection). */
  onReady(session: Session): Promise<void>;
  /** Told about each lost connection and failed attempt. */
  onError(error: Error): void;
  /** The ready session was lost; the layer drops state tied to it (unacked deliveries, consumer tags). */
  onLost(session: Session): void;
}

export class BrokerConnection {
  private live: Session | null = null;
  private readonly wakers = new Set<() => void>();
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastError: unknown;
  private readonly where: string;

  constructor(private readonly options: BrokerConnectionOptions) {
    const { url } = options;
    this.where =
      typeof url === "string"
        ? redactUrl(url)
        : `${url.protocol ?? "amqp"}://${url.hostname ?? "localhost"}:${url.port ?? 5672}`;
  }

  /** The ready session, or `null` while (re)connecting. */
  get current(): Session | null {
    return this.live;
  }

  start(): void {
    void this.connectOnce();
  }

  /** The ready session, waiting at most `timeoutMs` for one; rejects with `RabbitMQUnavailableError` after that. */
  async session(timeoutMs: number): Promise<Session> {
    if (this.current) return this.current;
    if (this.closed) throw new ChannelLayerClosed();
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.wakers.add(wake);
    });
    if (this.current) return this.current;
    if (this.closed) throw new ChannelLayerClosed();
    throw this.unavailable(`no connection within ${timeoutMs} ms`);
  }

  /** A `RabbitMQUnavailableError` saying what failed, where, and the last connection error. */
  unavailable(what: string): RabbitMQUnavailableError {
    const cause = this.lastError instanceof Error ? ` (last error: ${this.lastError.message})` : "";
    return new RabbitMQUnavailableError(
      `RabbitMQ at ${this.where} is unavailable: ${what}${cause}. The layer keeps reconnecting; retry later, or raise sendTimeoutMs.`,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    const session = this.current;
    this.live = null;
    for (const wake of [...this.wakers]) wake();
    if (session) {
      session.dead = true;
      await session.model.close().catch(ignore);
    }
  }

  private async connectOnce(): Promise<void> {
    let model: ChannelModel | undefined;
    try {
      model = await connect(this.options.url, {
        // Without it, Nagle's algorithm holds a publish back ~40 ms for the broker's delayed ACK.
        noDelay: true,
        clientProperties: { connection_name: this.options.connectionName },
      });
      if (this.closed) {
        await model.close().catch(ignore);
        return;
      }
      model.on("error", (error: Error) => {
        this.lastError = error;
      });
      const publisher = await model.createConfirmChannel();
      publisher.on("error", ignore);
      const consumer = await model.createChannel();
      consumer.on("error", ignore);
      await consumer.prefetch(this.options.prefetchCount);
      const session = new Session(model, publisher, consumer);
      model.on("close", (error?: Error) => this.lost(session, error));
      // A channel closed by the broker (not by us) means this session is unusable: start over.
      for (const channel of [publisher, consumer]) {
        channel.on("close", () => {
          if (!session.dead) void model?.close().catch(ignore);
        });
      }
      await this.options.setup(session);
      if (session.dead) throw new Error("connection lost during setup");
      if (this.closed) {
        session.dead = true;
        await model.close().catch(ignore);
        return;
      }
      this.live = session;
      this.attempt = 0;
      this.lastError = undefined;
      for (const wake of [...this.wakers]) wake();
      this.options.onReady(session).catch((error: unknown) => {
        this.lastError = error;
      });
    } catch (error) {
      this.lastError = error;
      if (model) await model.close().catch(ignore);
      if (this.closed) return;
      this.report(`cannot connect to RabbitMQ at ${this.where}`, error);
      this.scheduleReconnect();
    }
  }

  private lost(session: Session, error: Error | undefined): void {
    if (session.dead) return;
    session.dead = true;
    if (error) this.lastError = error;
    if (this.live !== session) return; // still in setup: connectOnce's catch retries
    this.live = null;
    if (!this.closed) this.report(`lost the connection to RabbitMQ at ${this.where}; reconnecting`, error);
    this.options.onLost(session);
    this.scheduleReconnect();
  }

  private report(what: string, cause: unknown): void {
    const reason = cause instanceof Error ? `: ${cause.message}` : "";
    try {
      this.options.onError(new RabbitMQUnavailableError(`${what}${reason}`));
    } catch {
      // A faulty hook must not stop the reconnection.
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    const base = Math.min(
      this.options.reconnectDelayMs * 2 ** this.attempt,
      this.options.maxReconnectDelayMs,
    );
    this.attempt++;
    // ±20% jitter, so processes that lost the broker together do not return in lockstep.
    const delay = base * (0.8 + Math.random() * 0.4);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connectOnce();
    }, delay);
  }
}
