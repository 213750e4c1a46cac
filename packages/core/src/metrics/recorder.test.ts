import { afterEach, describe, expect, it } from "vitest";
import { addMetricsCollector, currentMetrics, noopMetrics, useMetrics } from "./metrics";
import { MetricsRecorder } from "./recorder";

afterEach(() => {
  useMetrics(null);
});

describe("useMetrics", () => {
  it("swaps the process-wide backend and returns the previous one; null restores the no-op", () => {
    expect(currentMetrics()).toBe(noopMetrics);
    expect(noopMetrics.enabled).toBe(false);
    const recorder = new MetricsRecorder();
    expect(useMetrics(recorder)).toBe(noopMetrics);
    expect(currentMetrics()).toBe(recorder);
    expect(useMetrics(null)).toBe(recorder);
    expect(currentMetrics()).toBe(noopMetrics);
  });
});

describe("MetricsRecorder", () => {
  it("keeps one series per label set", () => {
    const m = new MetricsRecorder();
    m.increment("channels_frames_received_total");
    m.increment("channels_frames_received_total", {}, 2);
    m.increment("channels_messages_dropped_total", { reason: "expired" });
    m.observe("channels_handler_duration_seconds", 0.5, { consumer: "C", handler: "receive" });
    m.observe("channels_handler_duration_seconds", 0.25, { handler: "receive", consumer: "C" });
    expect(m.get("channels_frames_received_total")).toBe(3);
    expect(m.get("channels_messages_dropped_total", { reason: "expired" })).toBe(1);
    expect(m.get("channels_messages_dropped_total", { reason: "channel_full" })).toBe(0);
    expect(m.get("channels_handler_duration_seconds", { consumer: "C", handler: "receive" })).toBe(2);
    expect(m.snapshot()).toHaveLength(3);
  });

  it("rejects a metric or label set the definitions do not list", () => {
    const m = new MetricsRecorder();
    expect(() => m.increment("channels_nope_total" as "channels_frames_sent_total")).toThrow(
      /Unknown metric/,
    );
    expect(() => m.increment("channels_messages_dropped_total", { group: "g" })).toThrow(
      /takes labels \[reason\]/,
    );
  });

  it("reads collected gauges afresh at each snapshot", () => {
    const m = new MetricsRecorder();
    let size = 3;
    const remove = addMetricsCollector((metrics) =>
      metrics.addToGauge("channels_layer_groups", size, { layer: "L" }),
    );
    try {
      expect(m.snapshot()).toEqual([
        { name: "channels_layer_groups", type: "gauge", labels: { layer: "L" }, value: 3 },
      ]);
      size = 5;
      expect(m.snapshot()[0]!.value).toBe(5);
    } finally {
      remove();
    }
    expect(m.snapshot()).toEqual([]);
  });
});
