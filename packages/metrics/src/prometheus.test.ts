import { METRIC_DEFINITIONS, useMetrics } from "@channels-ts/core";
import { InMemoryChannelLayer } from "@channels-ts/core/layers";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { PrometheusMetrics } from "./prometheus";

afterEach(() => {
  useMetrics(null);
});

describe("PrometheusMetrics", () => {
  it("registers every defined metric in the registry it is given, beside the user's own", async () => {
    const registry = new Registry();
    registry.registerMetric(
      new (await import("prom-client")).Counter({ name: "app_logins_total", help: "x", registers: [] }),
    );
    new PrometheusMetrics({ registry });
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toEqual(["app_logins_total", ...METRIC_DEFINITIONS.map((d) => d.name)]);
  });

  it("records counters, gauges and histograms with their labels", async () => {
    const metrics = new PrometheusMetrics({ registry: new Registry() });
    metrics.increment("channels_frames_received_total");
    metrics.increment("channels_frames_received_total", undefined, 2);
    metrics.increment("channels_messages_dropped_total", { reason: "expired" }, 4);
    metrics.addToGauge("channels_connections", 2, { protocol: "websocket", http_version: "1.1" });
    metrics.addToGauge("channels_connections", -1, { protocol: "websocket", http_version: "1.1" });
    metrics.observe("channels_handler_duration_seconds", 0.003, { consumer: "Chat", handler: "receive" });
    const { contentType, body } = await metrics.scrape();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain("channels_frames_received_total 3\n");
    expect(body).toContain('channels_messages_dropped_total{reason="expired"} 4\n');
    expect(body).toContain('channels_connections{protocol="websocket",http_version="1.1"} 1\n');
    expect(body).toContain(
      'channels_handler_duration_seconds_bucket{le="0.0025",consumer="Chat",handler="receive"} 0\n',
    );
    expect(body).toContain(
      'channels_handler_duration_seconds_bucket{le="0.005",consumer="Chat",handler="receive"} 1\n',
    );
  });

  it("reads the in-memory layer's gauges at each scrape", async () => {
    const metrics = new PrometheusMetrics({ registry: new Registry() });
    useMetrics(metrics);
    const layer = new InMemoryChannelLayer();
    try {
      const channel = await layer.newChannel();
      await layer.send(channel, { type: "x" });
      await layer.groupAdd("room", channel);
      let body = (await metrics.scrape()).body;
      expect(body).toContain('channels_layer_queued_messages{layer="InMemoryChannelLayer"} 1\n');
      expect(body).toContain('channels_layer_groups{layer="InMemoryChannelLayer"} 1\n');
      await layer.receive(channel);
      await layer.groupDiscard("room", channel);
      body = (await metrics.scrape()).body;
      expect(body).toContain('channels_layer_queued_messages{layer="InMemoryChannelLayer"} 0\n');
      expect(body).toContain('channels_layer_groups{layer="InMemoryChannelLayer"} 0\n');
    } finally {
      await layer.close();
    }
  });

  it("keeps the number of series constant when 1000 different groups get messages", async () => {
    const registry = new Registry();
    useMetrics(new PrometheusMetrics({ registry }));
    const layer = new InMemoryChannelLayer();
    const series = async () => (await registry.getMetricsAsJSON()).reduce((n, m) => n + m.values.length, 0);
    try {
      const channel = await layer.newChannel();
      const round = async (group: string) => {
        await layer.groupAdd(group, channel);
        await layer.groupSend(group, { type: "chat.message" });
        await layer.receive(channel);
        await layer.groupDiscard(group, channel);
      };
      await round("warmup");
      const before = await series();
      for (let i = 0; i < 1000; i++) await round(`room_${i}`);
      expect(await series()).toBe(before);
    } finally {
      await layer.close();
    }
  });
});
