import {
  type CounterName,
  type GaugeName,
  type HistogramName,
  METRIC_DEFINITIONS,
  type MetricLabels,
  type Metrics,
  runMetricsCollectors,
} from "@channels-ts/core";
import { Counter, Gauge, type Registry, register } from "prom-client";

/** The labels of a label-less series (a key of the pending counts). */
const NO_LABELS: MetricLabels = Object.freeze({});

interface PendingCount {
  readonly name: string;
  readonly labels: MetricLabels;
  value: number;
  dirty: boolean;
}

interface HistogramSeries {
  readonly labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram in prom-client's registry, recorded without prom-client's per-call label hashing:
 * one observation is a bucket search and three additions on the series found by the identity of
 * its labels object (hot paths reuse theirs). The registry reads it through `get()`, like any
 * prom-client metric.
 */
class FastHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series = new Map<string, HistogramSeries>();
  private byObject = new WeakMap<MetricLabels, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {}

  observe(value: number, labels: MetricLabels): void {
    let series = this.byObject.get(labels);
    if (series === undefined) {
      series = this.find(labels);
      this.byObject.set(labels, series);
    }
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket++;
    series.counts[bucket] = (series.counts[bucket] as number) + 1;
    series.sum += value;
    series.count += 1;
  }

  private find(labels: MetricLabels): HistogramSeries {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || !given.every((l) => this.labelNames.includes(l))) {
      throw new Error(
        `Metric ${this.name} takes labels [${this.labelNames.join(", ")}]; got [${given.join(", ")}].`,
      );
    }
    const strings: Record<string, string> = {};
    for (const label of this.labelNames) strings[label] = String(labels[label]);
    const key = JSON.stringify(this.labelNames.map((l) => strings[l]));
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels: strings, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  async get() {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += series.counts[i] as number;
        const le = i < this.bounds.length ? (this.bounds[i] as number) : "+Inf";
        values.push({
          labels: { le, ...series.labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ labels: series.labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: series.labels, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.series.clear();
    this.byObject = new WeakMap();
  }
}

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
  private readonly histograms = new Map<string, FastHistogram>();
  private readonly collected: Gauge[] = [];
  private collecting = false;
  private readonly pending = new Map<string, WeakMap<MetricLabels, PendingCount>>();
  private dirty: PendingCount[] = [];
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
    const flush = () => this.flushCounters();
    for (const d of METRIC_DEFINITIONS) {
      const base = { name: d.name, help: d.help, labelNames: d.labelNames, registers };
      if (d.type === "counter") this.counters.set(d.name, new Counter({ ...base, collect: flush }));
      else if (d.type === "histogram") {
        const histogram = new FastHistogram(d.name, d.help, d.labelNames, d.buckets);
        this.registry.registerMetric(histogram as unknown as Parameters<Registry["registerMetric"]>[0]);
        this.histograms.set(d.name, histogram);
      } else if ("collected" in d && d.collected) {
        const gauge = new Gauge({ ...base, collect });
        this.collected.push(gauge);
        this.gauges.set(d.name, gauge);
      } else this.gauges.set(d.name, new Gauge(base));
    }
  }

  /**
   * Counters add into a plain number per series (found by the identity of the labels object, which
   * hot paths reuse) and reach prom-client at the next scrape: a frame costs an addition, not a
   * label hash.
   */
  increment(name: CounterName, labels: MetricLabels = NO_LABELS, value = 1): void {
    let byLabels = this.pending.get(name);
    if (byLabels === undefined) {
      byLabels = new WeakMap();
      this.pending.set(name, byLabels);
    }
    let entry = byLabels.get(labels);
    if (entry === undefined) {
      entry = { name, labels, value: 0, dirty: false };
      byLabels.set(labels, entry);
    }
    entry.value += value;
    if (!entry.dirty) {
      entry.dirty = true;
      this.dirty.push(entry);
      // Label objects made per call (per connection) would pile up between scrapes: bound them.
      if (this.dirty.length >= 4096) this.flushCounters();
    }
  }

  private flushCounters(): void {
    const dirty = this.dirty;
    this.dirty = [];
    for (const entry of dirty) {
      const counter = this.counters.get(entry.name)!;
      if (entry.labels === NO_LABELS) counter.inc(entry.value);
      else counter.inc(entry.labels as Record<string, string | number>, entry.value);
      entry.value = 0;
      entry.dirty = false;
    }
  }

  addToGauge(name: GaugeName, delta: number, labels?: MetricLabels): void {
    const gauge = this.gauges.get(name)!;
    if (labels === undefined) gauge.inc(delta);
    else this.child(name, gauge, labels).inc(delta);
  }

  observe(name: HistogramName, value: number, labels: MetricLabels = NO_LABELS): void {
    this.histograms.get(name)!.observe(value, labels);
  }

  private child(
    name: string,
    metric: Counter | Gauge,
    labels: MetricLabels,
  ): { inc(v: number): void; observe(v: number): void } {
    let byLabels = this.children.get(name);
    if (byLabels === undefined) {
      byLabels = new WeakMap();
      this.children.set(name, byLabels);
    }
    let child = byLabels.get(labels);
    if (child === undefined) {
      child = (metric as Gauge).labels(labels as Record<string, string | number>) as unknown as {
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
