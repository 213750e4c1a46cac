// What the Redis layers record: round trips, reconnects after an outage, errors by kind; and
// ping() (the server's /readyz) failing while Redis is down.
import { MetricsRecorder, useMetrics } from "@channels-ts/core";
import { redisServerSkipReason } from "@channels-ts/test-support";
import { useRedis } from "@channels-ts/test-support/vitest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RedisChannelLayer, RedisUnavailableError } from "../src/index";

const skip = redisServerSkipReason();
const redis = useRedis();
let metrics: MetricsRecorder;
let layer: RedisChannelLayer | undefined;

describe.skipIf(skip)(skip ? `Redis layer metrics (skipped: ${skip})` : "Redis layer metrics", () => {
  beforeEach(() => {
    metrics = new MetricsRecorder();
    useMetrics(metrics);
  });
  afterEach(async () => {
    useMetrics(null);
    await redis().start();
    await layer?.close();
    layer = undefined;
  });

  it("times each round trip and each operation", async () => {
    layer = new RedisChannelLayer({ hosts: [redis().url], prefix: "metrics1" });
    const channel = await layer.newChannel();
    await layer.send(channel, { type: "a" }); // a process-local channel: no round trip
    await layer.groupAdd("g", channel);
    await layer.flush();
    const L = { layer: "RedisChannelLayer" };
    expect(metrics.get("channels_layer_round_trip_duration_seconds", L)).toBe(2);
    expect(metrics.get("channels_layer_operation_duration_seconds", { ...L, operation: "send" })).toBe(1);
    expect(metrics.get("channels_layer_operation_duration_seconds", { ...L, operation: "flush" })).toBe(1);
  });

  it("fails ping and counts ChannelLayerUnavailable while Redis is down, then a reconnect", async () => {
    let reconnected!: () => void;
    const restored = new Promise<void>((resolve) => {
      reconnected = resolve;
    });
    layer = new RedisChannelLayer({
      hosts: [redis().url],
      prefix: "metrics2",
      sendTimeoutMs: 2_000,
      onError: () => {},
      // With a membership to put back, the layer reports its reconnect: something to await.
      onGroupsRestored: () => reconnected(),
    });
    await layer.ping();
    await layer.groupAdd("watchers", await layer.newChannel()); // one of its own channels
    await redis().stop();
    await expect(layer.ping()).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(layer.send("elsewhere", { type: "a" })).rejects.toBeInstanceOf(RedisUnavailableError);
    expect(
      metrics.get("channels_layer_operation_errors_total", {
        layer: "RedisChannelLayer",
        operation: "send",
        error: "ChannelLayerUnavailable",
      }),
    ).toBe(1);
    await redis().start();
    await restored;
    await layer.ping();
    expect(metrics.get("channels_layer_reconnects_total", { layer: "RedisChannelLayer" })).toBe(1);
  });
});
