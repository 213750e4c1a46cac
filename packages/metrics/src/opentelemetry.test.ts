import { addMetricsCollector, METRIC_DEFINITIONS } from "@channels-ts/core";
import type { BatchObservableCallback, Meter, Observable } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { OpenTelemetryMetrics } from "./opentelemetry";

/** A Meter that records what is created and recorded (the SDK is the user's, not ours). */
function fakeMeter() {
  const calls: Array<[string, string, number, unknown]> = [];
  const created: Record<string, { kind: string; options: unknown }> = {};
  let batch: { callback: BatchObservableCallback; observables: Observable[] } | undefined;
  const instrument = (kind: string) => (name: string, options: unknown) => {
    created[name] = { kind, options };
    return {
      name,
      add: (value: number, labels: unknown) => calls.push([kind, name, value, labels]),
      record: (value: number, labels: unknown) => calls.push([kind, name, value, labels]),
    };
  };
  const meter = {
    createCounter: instrument("counter"),
    createUpDownCounter: instrument("upDown"),
    createHistogram: instrument("histogram"),
    createObservableGauge: instrument("observable"),
    addBatchObservableCallback: (callback: BatchObservableCallback, observables: Observable[]) => {
      batch = { callback, observables };
    },
  } as unknown as Meter;
  return { meter, calls, created, collect: () => batch! };
}

describe("OpenTelemetryMetrics", () => {
  it("creates one instrument per definition, histograms with our buckets", () => {
    const { meter, created } = fakeMeter();
    new OpenTelemetryMetrics({ meter });
    expect(Object.keys(created)).toEqual(METRIC_DEFINITIONS.map((d) => d.name));
    expect(created.channels_handler_duration_seconds).toEqual({
      kind: "histogram",
      options: expect.objectContaining({
        unit: "s",
        advice: { explicitBucketBoundaries: expect.any(Array) },
      }),
    });
    expect(created.channels_connections?.kind).toBe("upDown");
    expect(created.channels_layer_groups?.kind).toBe("observable");
  });

  it("records into the instruments and observes collected gauges summed per series", () => {
    const { meter, calls, collect } = fakeMeter();
    const metrics = new OpenTelemetryMetrics({ meter });
    metrics.increment("channels_frames_sent_total");
    metrics.addToGauge("channels_connections", -1, { protocol: "http", http_version: "2" });
    metrics.observe("channels_handler_duration_seconds", 0.2, { consumer: "C", handler: "h" });
    expect(calls).toEqual([
      ["counter", "channels_frames_sent_total", 1, undefined],
      ["upDown", "channels_connections", -1, { protocol: "http", http_version: "2" }],
      ["histogram", "channels_handler_duration_seconds", 0.2, { consumer: "C", handler: "h" }],
    ]);
    const removers = [1, 2].map((n) =>
      addMetricsCollector((m) => m.addToGauge("channels_layer_groups", n, { layer: "L" })),
    );
    const observed: unknown[] = [];
    const { callback } = collect();
    void callback({
      observe: (o: Observable, v: number, l?: unknown) =>
        observed.push([(o as unknown as { name: string }).name, v, l]),
    });
    for (const remove of removers) remove();
    expect(observed).toEqual([["channels_layer_groups", 3, { layer: "L" }]]);
  });
});
