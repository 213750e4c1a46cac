import {
  type CounterName,
  type GaugeName,
  type HistogramName,
  METRIC_DEFINITIONS,
  type MetricLabels,
  type Metrics,
  runMetricsCollectors,
} from "@channels-ts/core";
import {
  type Counter,
  type Histogram,
  type Meter,
  type ObservableGauge,
  metrics as otelMetrics,
  type UpDownCounter,
} from "@opentelemetry/api";

/** Options of `OpenTelemetryMetrics`. */
export interface OpenTelemetryMetricsOptions {
  /**
   * The meter to create the instruments on; the SDK you configured exports them.
   * @default metrics.getMeter("channels-ts") of `@opentelemetry/api`
   */
  meter?: Meter;
}

function unitOf(name: string): string | undefined {
  if (name.endsWith("_seconds")) return "s";
  if (name.endsWith("_bytes_total")) return "By";
  return undefined;
}

/**
 * channels-ts' metrics as OpenTelemetry instruments: counters, up-down counters for gauges,
 * histograms with the same buckets, observable gauges for the collected ones. No `/metrics` of its
 * own (`scrape` is absent): export through your SDK's reader.
 */
export class OpenTelemetryMetrics implements Metrics {
  readonly enabled = true;
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, UpDownCounter>();
  private readonly histograms = new Map<string, Histogram>();

  constructor(options: OpenTelemetryMetricsOptions = {}) {
    const meter = options.meter ?? otelMetrics.getMeter("channels-ts");
    const observed = new Map<string, ObservableGauge>();
    for (const d of METRIC_DEFINITIONS) {
      const unit = unitOf(d.name);
      const base = unit === undefined ? { description: d.help } : { description: d.help, unit };
      if (d.type === "counter") this.counters.set(d.name, meter.createCounter(d.name, base));
      else if (d.type === "histogram") {
        const advice = { explicitBucketBoundaries: [...d.buckets] };
        this.histograms.set(d.name, meter.createHistogram(d.name, { ...base, advice }));
      } else if ("collected" in d && d.collected)
        observed.set(d.name, meter.createObservableGauge(d.name, base));
      else this.gauges.set(d.name, meter.createUpDownCounter(d.name, base));
    }
    meter.addBatchObservableCallback(
      (result) => {
        // Collectors add into series; sum them, then observe each series once.
        const sums = new Map<string, { name: string; labels: MetricLabels; value: number }>();
        const sink: Metrics = {
          enabled: true,
          increment: () => {},
          observe: () => {},
          addToGauge: (name, delta, labels = {}) => {
            const key = `${name}\u0000${JSON.stringify(labels)}`;
            const entry = sums.get(key);
            if (entry) entry.value += delta;
            else sums.set(key, { name, labels, value: delta });
          },
        };
        runMetricsCollectors(sink);
        for (const { name, labels, value } of sums.values()) {
          const gauge = observed.get(name);
          if (gauge) result.observe(gauge, value, labels);
        }
      },
      [...observed.values()],
    );
  }

  increment(name: CounterName, labels?: MetricLabels, value = 1): void {
    this.counters.get(name)!.add(value, labels);
  }

  addToGauge(name: GaugeName, delta: number, labels?: MetricLabels): void {
    this.gauges.get(name)?.add(delta, labels);
  }

  observe(name: HistogramName, value: number, labels?: MetricLabels): void {
    this.histograms.get(name)!.record(value, labels);
  }
}
