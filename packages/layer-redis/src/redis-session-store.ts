import type { SessionData, SessionStore } from "@channels-ts/core";
import type { Redis } from "ioredis";
import { type RedisHost, requireHosts } from "./hosts";
import { ShardConnection } from "./shard-connection";

/** Options of `RedisSessionStore`. */
export interface RedisSessionStoreOptions {
  /**
   * The Redis server: a URL, ioredis options, `{ address }` or Sentinel settings. Ignored when
   * `client` is given.
   * @default "redis://127.0.0.1:6379"
   */
  host?: RedisHost;
  /** An ioredis client to use instead of making one; the store then never closes it. */
  client?: Redis;
  /**
   * Prepended to every session key.
   * @default "channels-ts:session:"
   */
  keyPrefix?: string;
  /**
   * How long an operation waits for an unreachable Redis before failing, in ms.
   * @default 5_000
   */
  timeoutMs?: number;
}

/**
 * Sessions in Redis, for `SessionMiddleware`: one string key per session holding its JSON, expiring
 * with the session (`PX maxAgeMs`), so several processes share sessions.
 */
export class RedisSessionStore implements SessionStore {
  readonly keyPrefix: string;
  private readonly shard: ShardConnection | undefined;
  private readonly client: Redis | undefined;

  constructor(options: RedisSessionStoreOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? "channels-ts:session:";
    this.client = options.client;
    if (!this.client) {
      const [host] = requireHosts(options.host === undefined ? undefined : [options.host]);
      this.shard = new ShardConnection(host!, {}, options.timeoutMs ?? 5_000, () => {});
    }
  }

  async load(sessionKey: string): Promise<SessionData | null> {
    const text = await this.run("session load", (client) => client.get(this.keyPrefix + sessionKey));
    if (text === null) return null;
    try {
      const data = JSON.parse(text) as unknown;
      return typeof data === "object" && data !== null && !Array.isArray(data) ? (data as SessionData) : null;
    } catch {
      return null; // a corrupt session is treated as no session
    }
  }

  async save(sessionKey: string, data: SessionData, maxAgeMs: number): Promise<void> {
    const ttl = Math.max(1, Math.round(maxAgeMs));
    await this.run("session save", (client) =>
      client.set(this.keyPrefix + sessionKey, JSON.stringify(data), "PX", ttl),
    );
  }

  async delete(sessionKey: string): Promise<void> {
    await this.run("session delete", (client) => client.del(this.keyPrefix + sessionKey));
  }

  /** Closes the connection the store made (not a `client` passed in). */
  async close(): Promise<void> {
    await this.shard?.close();
  }

  private run<T>(what: string, fn: (client: Redis) => Promise<T>): Promise<T> {
    return this.client ? fn(this.client) : this.shard!.run(what, fn);
  }
}
