import type { Duplex } from "node:stream";
import { ChannelLayerClosed, currentMetrics } from "@channels-ts/core";
import type { Redis, RedisOptions } from "ioredis";
import { RedisUnavailableError } from "./errors";
import { createRedisClient, describeHost, type RedisHost } from "./hosts";

/** Scripts the layers define on every client (ioredis runs them with EVALSHA, falling back to EVAL). */
export type ScriptTable = Record<string, { lua: string; numberOfKeys?: number }>;

// Reconnect quickly after a restart: the default backs off to 5 s.
const DEFAULTS: RedisOptions = { retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000) };

// Commands fail at once when the socket is down (we wait for `ready` ourselves, up to a deadline),
// and are never re-sent after a reconnect: a send replayed after it was stored would deliver twice.
const POLICY: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
};

function notWritten(error: unknown): boolean {
  return error instanceof Error && /enableOfflineQueue|Stream isn't writeable/.test(error.message);
}

/** One shard's clients: `commands` for everything short, `blocking` (made on first use) for blocking pops. */
export class ShardConnection {
  readonly name: string;
  private commandClient: Redis | undefined;
  private blockingClient: Redis | undefined;
  private closed = false;
  private lastReported = "";
  /** Commands sent and not yet answered. */
  private inFlight = 0;
  private readonly readyWaits = new Map<Redis, Promise<void>>();
  private readonly metricLabels: { layer: string };

  constructor(
    private readonly host: RedisHost,
    private readonly scripts: ScriptTable,
    private readonly timeoutMs: number,
    private readonly report: (error: Error) => void,
    /** Called each time the command client is ready again after it was ready once (a reconnect). */
    private readonly onReconnect?: () => void,
    /** The layer class, as the `layer` label of the metrics. */
    layerName = "RedisChannelLayer",
  ) {
    this.name = describeHost(host);
    this.metricLabels = { layer: layerName };
  }

  /** The client for short commands (replies bounded by `timeoutMs`). */
  get commands(): Redis {
    this.commandClient ??= this.connect({ commandTimeout: this.timeoutMs }, this.onReconnect);
    return this.commandClient;
  }

  /** The client that blocks in BZPOPMIN / SUBSCRIBE; made on first use. */
  get blocking(): Redis {
    this.blockingClient ??= this.connect({});
    return this.blockingClient;
  }

  /**
   * Runs `fn` on the command client once it is connected. Waits for a reconnect up to `timeoutMs`,
   * then fails with `RedisUnavailableError`; a command lost mid-flight fails at once (it may have run).
   */
  async run<T>(what: string, fn: (client: Redis) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 0; attempt < 100_000; attempt++) {
      await this.waitReady(this.commands, deadline, what);
      // Nagle's rule: with nothing in flight, a command goes out at once (a lone groupSend's round
      // trip then overlaps whatever else this turn does); behind others, it joins the turn's batch.
      if (this.inFlight > 0) this.holdWrites(this.commands);
      else this.holdProcess(this.commands, true);
      this.inFlight++;
      const metrics = currentMetrics();
      const started = metrics.enabled ? performance.now() : 0;
      try {
        const reply = await fn(this.commands);
        if (metrics.enabled) {
          const seconds = (performance.now() - started) / 1000;
          metrics.observe("channels_layer_round_trip_duration_seconds", seconds, this.metricLabels);
        }
        return reply;
      } catch (error) {
        if (this.closed) throw new ChannelLayerClosed();
        if (notWritten(error) && Date.now() < deadline) {
          // The socket just died but the client has not noticed yet: let its events run first.
          await new Promise((resolve) => setTimeout(resolve, 10));
          continue;
        }
        // Redis's own answers (WRONGTYPE, OOM, …) are ReplyErrors; anything else is the connection.
        if (error instanceof Error && error.name !== "ReplyError") {
          throw new RedisUnavailableError(
            `${what} on Redis ${this.name} failed: ${error.message}. It may or may not have been applied; Redis is down or restarting.`,
            { cause: error },
          );
        }
        throw error;
      } finally {
        if (--this.inFlight === 0 && this.commandClient !== undefined)
          this.holdProcess(this.commandClient, false);
      }
    }
    throw new RedisUnavailableError(`${what} on Redis ${this.name} kept failing.`);
  }

  /** Resolves once `client` is connected; rejects with `RedisUnavailableError` past `deadline`. */
  async waitReady(client: Redis, deadline: number, what: string): Promise<void> {
    if (this.closed) throw new ChannelLayerClosed();
    if (client.status === "ready") return;
    if (client.status === "wait") client.connect().catch(() => {});
    const ready = this.whenReady(client);
    if (!Number.isFinite(deadline)) return ready;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RedisUnavailableError(
              `${what}: Redis ${this.name} did not answer within ${this.timeoutMs} ms (down or restarting?)` +
                (this.lastReported ? `; last error: ${this.lastReported}` : ""),
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      await Promise.race([ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One shared promise per client and outage, so a burst of waiting sends adds two listeners, not hundreds. */
  private whenReady(client: Redis): Promise<void> {
    let ready = this.readyWaits.get(client);
    if (!ready) {
      ready = new Promise<void>((resolve, reject) => {
        const onReady = () => {
          cleanup();
          resolve();
        };
        const onEnd = () => {
          cleanup();
          reject(new ChannelLayerClosed());
        };
        const cleanup = () => {
          client.off("ready", onReady);
          client.off("end", onEnd);
          this.readyWaits.delete(client);
        };
        client.on("ready", onReady);
        client.on("end", onEnd);
      });
      ready.catch(() => {});
      this.readyWaits.set(client, ready);
    }
    return ready;
  }

  /** Closes both clients: the command client politely when connected, the blocking one at once. */
  async close(): Promise<void> {
    this.closed = true;
    this.blockingClient?.disconnect();
    const client = this.commandClient;
    if (!client) return;
    if (client.status === "ready") {
      await Promise.race([client.quit().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    client.disconnect();
  }

  /**
   * Corks the command socket until the end of the event-loop turn, so the commands a burst issues
   * (every consumer's groupSend of one turn) reach Redis in one write instead of one system call
   * each. Unlike ioredis's autopipelining, it never waits for an earlier batch's replies.
   * Only called with commands already in flight (see `run`).
   */
  private holdWrites(client: Redis): void {
    const stream = client.stream as Duplex | undefined;
    // ioredis never corks: a corked stream is one we already hold for this turn.
    if (stream === undefined || stream.writableCorked !== 0) return;
    stream.cork();
    setImmediate(() => {
      while (stream.writableCorked > 0) stream.uncork();
    });
  }

  /**
   * The command socket keeps the process alive only while a command waits for its reply: a
   * one-off script that sends and returns exits without `close()` (Django's
   * `async_to_sync(group_send)` from a cron job). The blocking client stays referenced: a pending
   * receive is work the process waits for.
   */
  private holdProcess(client: Redis, hold: boolean): void {
    const stream = client.stream as (Duplex & { ref?(): void; unref?(): void }) | undefined;
    if (hold) stream?.ref?.();
    else stream?.unref?.();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private connect(extra: RedisOptions, onReconnect?: () => void): Redis {
    const client = createRedisClient(this.host, DEFAULTS, { ...POLICY, ...extra });
    for (const [name, { lua, numberOfKeys }] of Object.entries(this.scripts)) {
      client.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
    }
    client.on("error", (error: Error) => {
      // ioredis repeats the error on every reconnect attempt: report each distinct one once.
      if (this.closed || error.message === this.lastReported) return;
      this.lastReported = error.message;
      this.report(new RedisUnavailableError(`Redis ${this.name}: ${error.message}`, { cause: error }));
    });
    let readyBefore = false;
    client.on("ready", () => {
      this.lastReported = "";
      if (readyBefore && !this.closed) {
        const metrics = currentMetrics();
        if (metrics.enabled) metrics.increment("channels_layer_reconnects_total", this.metricLabels);
      }
      // A fresh socket (first connect or a reconnect) with nothing to answer: do not hold the process.
      if (client === this.commandClient && this.inFlight === 0) this.holdProcess(client, false);
      if (readyBefore && !this.closed) onReconnect?.();
      readyBefore = true;
    });
    return client;
  }
}
