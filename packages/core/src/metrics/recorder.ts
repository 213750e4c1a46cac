import { type MetricDefinition, metricDefinition } from "./definitions";
import { type MetricLabels, type Metrics, runMetricsCollectors } from "./metrics";

/** One series of a `MetricsRecorder`: a counter's or gauge's value, a histogram's count and sum. */
export interface RecordedSeries {
  name: string;
  type: MetricDefinition["type"];
  labels: Record<string, string>;
  /** The counter's or gauge's value; the histogram's sum. */
  value: number;
  /** Observations, for a histogram. */
  count?: number;
}

function seriesKey(name: string, labels: MetricLabels | undefined): string {
  if (labels === undefined) return name;
  let key = name;
  for (const label of Object.keys(labels).sort()) key += `\u0000${label}=${labels[label]}`;
  return key;
}

/**
 * A dependency-free `Metrics` that keeps every series in memory: for tests, and for the server's
 * counter report without Prometheus (`RunningServer.metricsReport()`, SIGUSR2). Rejects names and
 * labels that `METRIC_DEFINITIONS` does not list, as the Prometheus adapter does.
 */
export class MetricsRecorder implements Metrics {
  readonly enabled = true;
  private readonly series = new Map<string, RecordedSeries>();

  increment(name: string, labels?: MetricLabels, value = 1): void {
    this.entry(name, labels).value += value;
  }

  addToGauge(name: string, delta: number, labels?: MetricLabels): void {
    this.entry(name, labels).value += delta;
  }

  observe(name: string, value: number, labels?: MetricLabels): void {
    const entry = this.entry(name, labels);
    entry.value += value;
    entry.count = (entry.count ?? 0) + 1;
  }

  /** Every series, collected gauges read now. */
  snapshot(): RecordedSeries[] {
    for (const [key, entry] of this.series)
      if (metricDefinition(entry.name)?.collected) this.series.delete(key);
    runMetricsCollectors(this);
    return [...this.series.values()].map((s) => ({ ...s, labels: { ...s.labels } }));
  }

  /** The value of one series (a histogram's count), 0 when it was never recorded. */
  get(name: string, labels?: MetricLabels): number {
    const entry = this.series.get(seriesKey(name, labels));
    return entry === undefined ? 0 : (entry.count ?? entry.value);
  }

  /** Drops every series. */
  reset(): void {
    this.series.clear();
  }

  private entry(name: string, labels: MetricLabels | undefined): RecordedSeries {
    const key = seriesKey(name, labels);
    let entry = this.series.get(key);
    if (entry === undefined) {
      const definition = metricDefinition(name);
      if (definition === undefined) throw new Error(`Unknown metric ${name}: see METRIC_DEFINITIONS.`);
      const given = Object.keys(labels ?? {}).sort();
      if (given.join() !== [...definition.labelNames].sort().join()) {
        throw new Error(
          `Metric ${name} takes labels [${definition.labelNames.join(", ")}]; got [${given.join(", ")}].`,
        );
      }
      const strings: Record<string, string> = {};
      for (const label of given) strings[label] = String(labels![label]);
      entry = { name, type: definition.type, labels: strings, value: 0 };
      this.series.set(key, entry);
    }
    return entry;
  }
}
