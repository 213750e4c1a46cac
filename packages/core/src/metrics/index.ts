export {
  type CounterName,
  type GaugeName,
  type HistogramName,
  METRIC_DEFINITIONS,
  type MetricDefinition,
  type MetricName,
  metricDefinition,
  renderMetricsTable,
} from "./definitions";
export {
  addMetricsCollector,
  currentMetrics,
  type MetricLabels,
  type Metrics,
  noopMetrics,
  runMetricsCollectors,
  secondsSince,
  useMetrics,
} from "./metrics";
export { MetricsRecorder, type RecordedSeries } from "./recorder";
