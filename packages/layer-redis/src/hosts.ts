import { ImproperlyConfigured } from "@channels-ts/core";
import { Redis, type RedisOptions } from "ioredis";

/** A URL plus extra ioredis options, like channels_redis 4.1+'s `{"address": url, **kwargs}`. */
export interface RedisAddressOptions extends RedisOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, `rediss://…` (TLS) or `unix:///path.sock`. */
  address: string;
}

/** A master found through Redis Sentinel, like channels_redis' `{"sentinels": […], "master_name": …}`. */
export interface SentinelOptions extends Omit<RedisOptions, "sentinels" | "name"> {
  /** Sentinel addresses, as `{ host, port }` or `[host, port]` pairs. */
  sentinels: ReadonlyArray<{ host: string; port: number } | readonly [string, number]>;
  /** The name the sentinels monitor the master under. */
  masterName: string;
}

/** One shard: a URL, ioredis options (which may name sentinels themselves), an address object or Sentinel settings. */
export type RedisHost = string | RedisOptions | RedisAddressOptions | SentinelOptions;

function isSentinel(host: object): host is SentinelOptions {
  return "masterName" in host;
}

function isAddress(host: object): host is RedisAddressOptions {
  return "address" in host && typeof (host as { address: unknown }).address === "string";
}

/** A human-readable name for a host, for error messages (passwords left out). */
export function describeHost(host: RedisHost): string {
  if (typeof host === "string") return host.replace(/\/\/[^@/]*@/, "//");
  if (isSentinel(host)) return `sentinel master "${host.masterName}"`;
  if (isAddress(host)) return host.address.replace(/\/\/[^@/]*@/, "//");
  if (host.sentinels) return `sentinel master "${host.name ?? "mymaster"}"`;
  if (host.path) return host.path;
  return `${host.host ?? "127.0.0.1"}:${host.port ?? 6379}`;
}

/** Checks `hosts` as channels_redis does: a non-empty list. */
export function requireHosts(hosts: unknown): readonly RedisHost[] {
  if (hosts === undefined) return ["redis://127.0.0.1:6379"];
  if (!Array.isArray(hosts) || hosts.length === 0) {
    throw new ImproperlyConfigured(
      `hosts must be a non-empty array of Redis hosts, even if there is only one: e.g. ["redis://127.0.0.1:6379"]; got ${String(hosts)}.`,
    );
  }
  return hosts as RedisHost[];
}

/**
 * A new ioredis client for `host`: `defaults` under the host's own options, `overrides` (the
 * layer's connection policy) on top.
 */
export function createRedisClient(host: RedisHost, defaults: RedisOptions, overrides: RedisOptions): Redis {
  if (typeof host === "string") return new Redis(host, { ...defaults, ...overrides });
  if (isSentinel(host)) {
    const { sentinels, masterName, ...rest } = host;
    return new Redis({
      ...defaults,
      ...rest,
      sentinels: sentinels.map((s) => (Array.isArray(s) ? { host: s[0], port: s[1] } : { ...s })),
      name: masterName,
      ...overrides,
    });
  }
  if (isAddress(host)) {
    const { address, ...rest } = host;
    return new Redis(address, { ...defaults, ...rest, ...overrides });
  }
  return new Redis({ ...defaults, ...host, ...overrides });
}
