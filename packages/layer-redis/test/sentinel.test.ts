// Hosts given as Sentinel settings: the layer asks a real redis-sentinel for the master.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RedisServerHandle, redisServerSkipReason, startRedisServer } from "@channels-ts/test-support";
import { useRedis } from "@channels-ts/test-support/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisChannelLayer } from "../src/index";

const skip = redisServerSkipReason();
let sentinel: RedisServerHandle;
let dir: string;

describe.skipIf(skip)(skip ? `Sentinel hosts (skipped: ${skip})` : "Sentinel hosts", () => {
  const master = useRedis();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "channels-ts-sentinel-"));
    const configFile = join(dir, "sentinel.conf");
    writeFileSync(configFile, `sentinel monitor mymaster 127.0.0.1 ${master().port} 1\n`);
    sentinel = await startRedisServer({ configFile, args: ["--sentinel"], readyLine: /\+monitor master/ });
  });
  afterAll(async () => {
    await sentinel?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends and receives through the master the sentinel names", async () => {
    const layer = new RedisChannelLayer({
      hosts: [{ sentinels: [["127.0.0.1", sentinel.port]], masterName: "mymaster" }],
    });
    const channel = await layer.newChannel();
    const received = layer.receive(channel, AbortSignal.timeout(10_000));
    await layer.send(channel, { type: "via.sentinel" });
    expect(await received).toEqual({ type: "via.sentinel" });
    await layer.groupAdd("sentinel-group", channel);
    await layer.close();
    // It really went to the master.
    const direct = new RedisChannelLayer({ hosts: [master().url] });
    await direct.groupSend("sentinel-group", { type: "direct" });
    await direct.close();
    const { Redis } = await import("ioredis");
    const raw = new Redis(master().url);
    expect(await raw.zcard("asgi:group:sentinel-group")).toBe(1);
    raw.disconnect();
  });
});
