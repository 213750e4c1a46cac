import { ImproperlyConfigured, InvalidChannelNameError } from "@channels-ts/core";
import { describe, expect, it } from "vitest";
import { RedisChannelLayer } from "./redis-channel-layer";
import { RedisPubSubChannelLayer } from "./redis-pubsub-layer";

// Construction connects to nothing (connections open on first use), so no server is needed here.
describe("layer options", () => {
  it("defaults to one local Redis, prefix asgi, Python's expiry and capacity", async () => {
    const layer = new RedisChannelLayer();
    expect(layer.hosts).toEqual(["redis://127.0.0.1:6379"]);
    expect([layer.prefix, layer.expiryMs, layer.groupExpiryMs, layer.capacity]).toEqual([
      "asgi",
      60_000,
      86_400_000,
      100,
    ]);
    expect(layer.extensions).toEqual(["groups", "flush"]);
    await layer.close();
  });

  it.each([
    ["hosts that are not a list", { hosts: "redis://x" as unknown as string[] }, /non-empty array/],
    ["an empty host list", { hosts: [] }, /non-empty array/],
    ["a zero sendTimeoutMs", { sendTimeoutMs: 0 }, /sendTimeoutMs/],
    ["a fractional receiveBatchSize", { receiveBatchSize: 1.5 }, /receiveBatchSize/],
  ])("refuses %s with ImproperlyConfigured", (_what, options, message) => {
    expect(() => new RedisChannelLayer(options)).toThrow(ImproperlyConfigured);
    expect(() => new RedisChannelLayer(options)).toThrow(message);
  });

  it("makes Python-shaped process-local names: specific.<32 hex>!<32 hex>, one client prefix per layer", async () => {
    const layer = new RedisChannelLayer();
    const [a, b] = [await layer.newChannel(), await layer.newChannel("http.response")];
    expect(a).toMatch(new RegExp(`^specific\\.${layer.clientPrefix}![0-9a-f]{32}$`));
    expect(b).toMatch(new RegExp(`^http\\.response\\.${layer.clientPrefix}![0-9a-f]{32}$`));
    expect(layer.clientPrefix).not.toBe(new RedisChannelLayer().clientPrefix);
    await layer.close();
  });

  it("the pub/sub layer refuses a bad host list too", () => {
    expect(() => new RedisPubSubChannelLayer({ hosts: [] })).toThrow(ImproperlyConfigured);
  });

  it("receives only its own process-local channels, as Python asserts", async () => {
    const [mine, other] = [new RedisChannelLayer(), new RedisChannelLayer()];
    await expect(mine.receive(await other.newChannel())).rejects.toBeInstanceOf(InvalidChannelNameError);
    await Promise.all([mine.close(), other.close()]);
  });
});
