import {
  type CounterName,
  type GaugeName,
  type HistogramName,
  METRIC_DEFINITIONS,
  type MetricLabels,
  type Metrics,
  runMetricsCollectors,
} from "@channels-ts/core";
import { Counter, Gauge, Histogram, type Registry, register } from "prom-client";

/** Options of `PrometheusMetrics`. */
export interface PrometheusMetricsOptions {
  /**
   * The `prom-client` registry the metrics join, so one scrape returns yours and ours.
   * @default prom-client's global `register`
   */
  registry?: Registry;
}

/**
 * channels-ts' metrics in a `prom-client` registry. Pass it to `serve({ metrics })` (or
 * `useMetrics()`), and scrape the registry as usual, or through the server's `/metrics`.
 *
 * ```ts
 * const registry = new Registry();
 * const metrics = new PrometheusMetrics({ registry });
 * ```
 */
export class PrometheusMetrics implements Metrics {
  readonly enabled = true;
  readonly registry: Registry;
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms = new Map<string, Histogram>();
  private readonly collected: Gauge[] = [];
  private collecting = false;
  /**
   * Bound children per label object: callers pass the same frozen-in-practice label objects on
   * hot paths, so the label hash is computed once per series, not once per call.
   */
  private readonly children = new Map<
    string,
    WeakMap<MetricLabels, { inc(v: number): void; observe(v: number): void }>
  >();

  constructor(options: PrometheusMetricsOptions = {}) {
    this.registry = options.registry ?? register;
    const registers = [this.registry];
    const collect = () => this.collect();
    for (const d of METRIC_DEFINITIONS) {
      const base = { name: d.name, help: d.help, labelNames: d.labelNames, registers };
      if (d.type === "counter") this.counters.set(d.name, new Counter(base));
      else if (d.type === "histogram")
        this.histograms.set(d.name, new Histogram({ ...base, buckets: [...d.buckets] }));
      else if ("collected" in d && d.collected) {
        const gauge = new Gauge({ ...base, collect });
        this.collected.push(gauge);
        this.gauges.set(d.name, gauge);
      } else this.gauges.set(d.name, new Gauge(base));
    }
  }

  increment(name: CounterName, labels?: MetricLabels, value = 1): void {
    const counter = this.counters.get(name)!;
    if (labels === undefined) counter.inc(value);
    else this.child(name, counter, labels).inc(value);
  }

  addToGauge(name: GaugeName, delta: number, labels?: MetricLabels): void {
    const gauge = this.gauges.get(name)!;
    if (labels === undefined) gauge.inc(delta);
    else this.child(name, gauge, labels).inc(delta);
  }

  observe(name: HistogramName, value: number, labels?: MetricLabels): void {
    const histogram = this.histograms.get(name)!;
    if (labels === undefined) histogram.observe(value);
    else this.child(name, histogram, labels).observe(value);
  }

  private child(
    name: string,
    metric: Counter | Gauge | Histogram,
    labels: MetricLabels,
  ): { inc(v: number): void; observe(v: number): void } {
    let byLabels = this.children.get(name);
    if (byLabels === undefined) {
      byLabels = new WeakMap();
      this.children.set(name, byLabels);
    }
    let child = byLabels.get(labels);
    if (child === undefined) {
      child = (metric as Histogram).labels(labels as Record<string, string | number>) as unknown as {
        inc(v: number): void;
        observe(v: number): void;
      };
      byLabels.set(labels, child);
    }
    return child;
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * Reads the collected gauges afresh. prom-client calls every collected gauge's `collect` in one
   * synchronous pass per scrape: the first call does the work for all of them.
   */
  private collect(): void {
    if (this.collecting) return;
    this.collecting = true;
    queueMicrotask(() => {
      this.collecting = false;
    });
    for (const gauge of this.collected) gauge.reset();
    runMetricsCollectors(this);
  }
}
