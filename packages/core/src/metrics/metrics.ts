import type { CounterName, GaugeName, HistogramName } from "./definitions";

/** Label values of one series. Keep them bounded: never a channel, group, user or path. */
export type MetricLabels = Readonly<Record<string, string | number>>;

/**
 * Where the server, the consumers and the layers record their numbers. Core ships no backend: the
 * default records nothing (`enabled` is false, and callers skip even the clock reads);
 * `@channels-ts/metrics-prometheus` records into a `prom-client` registry. The metrics and their
 * labels are those of `METRIC_DEFINITIONS`.
 */
export interface Metrics {
  /** `false` for the no-op default: callers test it before measuring anything. */
  readonly enabled: boolean;
  /** Adds `value` (default 1) to a counter. */
  increment(name: CounterName, labels?: MetricLabels, value?: number): void;
  /** Adds `delta` (may be negative) to a gauge. */
  addToGauge(name: GaugeName, delta: number, labels?: MetricLabels): void;
  /** Records one observation (seconds, bytes: the metric's unit) in a histogram. */
  observe(name: HistogramName, value: number, labels?: MetricLabels): void;
  /**
   * The Prometheus text exposition of everything recorded, for `/metrics`. Optional: a backend
   * that exports otherwise (OpenTelemetry) leaves it out.
   */
  scrape?(): Promise<{ contentType: string; body: string }>;
}

const noop = (): void => {};

/** Records nothing; what every component uses until `useMetrics()` is called. */
export const noopMetrics: Metrics = Object.freeze({
  enabled: false,
  increment: noop,
  addToGauge: noop,
  observe: noop,
});

interface MetricsState {
  current: Metrics;
  collectors: Set<(metrics: Metrics) => void>;
}

// One state per process, even when the ESM and the CJS build of core are both loaded (as for the
// layer registry): the server, the consumers and the layers must record into the same backend.
const STATE = Symbol.for("channels-ts.metrics");
const holder = globalThis as { [STATE]?: MetricsState };
holder[STATE] ??= { current: noopMetrics, collectors: new Set() };
const state = holder[STATE];

/** The process-wide metrics backend. Hot paths read it on every call, so switching takes effect at once. */
export function currentMetrics(): Metrics {
  return state.current;
}

/**
 * Makes `metrics` the process-wide backend (`null` restores the no-op one); returns the previous
 * one. `serve({ metrics })` calls it.
 */
export function useMetrics(metrics: Metrics | null): Metrics {
  const previous = state.current;
  state.current = metrics ?? noopMetrics;
  return previous;
}

/**
 * Registers `collect`, run at each scrape to report gauges that are cheaper to read than to keep up
 * to date (queue sizes). It must `addToGauge` collected gauges only. Returns the function that
 * unregisters it.
 */
export function addMetricsCollector(collect: (metrics: Metrics) => void): () => void {
  state.collectors.add(collect);
  return () => {
    state.collectors.delete(collect);
  };
}

/** Runs every collector into `metrics`; adapters call it before they export collected gauges. */
export function runMetricsCollectors(metrics: Metrics): void {
  for (const collect of state.collectors) {
    try {
      collect(metrics);
    } catch {
      // A faulty collector must not break the scrape of everything else.
    }
  }
}

/** Seconds since `startedAt` (a `performance.now()` reading), for duration histograms. */
export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}
