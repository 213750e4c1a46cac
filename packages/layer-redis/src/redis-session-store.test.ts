import { redisServerSkipReason } from "@channels-ts/test-support";
import { useRedis } from "@channels-ts/test-support/vitest";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { RedisSessionStore } from "./redis-session-store";

const skip = redisServerSkipReason();

describe.skipIf(skip)(skip ? `RedisSessionStore (skipped: ${skip})` : "RedisSessionStore", () => {
  const redis = useRedis();

  it("saves, loads and deletes a session; unknown keys load as null", async () => {
    const store = new RedisSessionStore({ host: redis().url });
    expect(await store.load("nope")).toBeNull();
    await store.save("abc", { user: 1, cart: ["x"] }, 60_000);
    expect(await store.load("abc")).toEqual({ user: 1, cart: ["x"] });
    await store.delete("abc");
    expect(await store.load("abc")).toBeNull();
    await store.delete("abc");
    await store.close();
  });

  it("shares sessions between stores, under its prefix, expiring with maxAgeMs", async () => {
    const raw = new Redis(redis().url);
    const a = new RedisSessionStore({ host: redis().url, keyPrefix: "s:" });
    const b = new RedisSessionStore({ client: raw, keyPrefix: "s:" });
    await a.save("shared", { n: 1 }, 30_000);
    expect(await b.load("shared")).toEqual({ n: 1 });
    const ttl = await raw.pttl("s:shared");
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    await raw.set("s:corrupt", "{not json");
    expect(await b.load("corrupt")).toBeNull();
    await a.close();
    raw.disconnect();
  });
});
