/**
 * Every metric channels-ts records, in one table: the adapters create their instruments from it and
 * docs/topics/metrics.md renders it (a test fails when the page is stale). Names follow Prometheus
 * conventions: a `channels_` prefix, base units (seconds, bytes), `_total` on counters.
 *
 * A label value is never a channel, group, user or path: only values the code or the operator's
 * configuration bounds (a protocol, a status or close code, a class or handler name, a reason).
 */
export interface MetricDefinition {
  readonly name: string;
  readonly type: "counter" | "gauge" | "histogram";
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Histogram bucket bounds, in the metric's unit. */
  readonly buckets?: readonly number[];
  /**
   * A gauge read when metrics are scraped (from `addMetricsCollector` callbacks), not kept up to
   * date on every change. Adapters zero it before each collection.
   */
  readonly collected?: boolean;
}

/** Latency buckets for work that usually takes well under a millisecond, in seconds. */
const FAST_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];
/** Buckets for application handlers, in seconds. */
const HANDLER_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const METRIC_DEFINITIONS = [
  // The server.
  {
    name: "channels_connections",
    type: "gauge",
    help: "Open connections: HTTP requests in progress and open WebSockets.",
    labelNames: ["protocol", "http_version"],
  },
  {
    name: "channels_handshakes_pending",
    type: "gauge",
    help: "WebSocket handshakes waiting for the application to accept, deny or close.",
    labelNames: ["http_version"],
  },
  {
    name: "channels_connections_accepted_total",
    type: "counter",
    help: "WebSockets the application accepted, and HTTP requests it answered.",
    labelNames: ["protocol", "http_version"],
  },
  {
    name: "channels_connections_denied_total",
    type: "counter",
    help: "WebSocket handshakes refused, by the HTTP status of the refusal.",
    labelNames: ["http_version", "status"],
  },
  {
    name: "channels_connections_closed_total",
    type: "counter",
    help: "Accepted WebSockets that ended, by close code (1005 when none was given, 1006 when the connection dropped).",
    labelNames: ["http_version", "code"],
  },
  {
    name: "channels_http_responses_total",
    type: "counter",
    help: "HTTP responses sent, by status.",
    labelNames: ["http_version", "status"],
  },
  {
    name: "channels_frames_received_total",
    type: "counter",
    help: "WebSocket messages received from clients.",
    labelNames: [],
  },
  {
    name: "channels_frames_sent_total",
    type: "counter",
    help: "WebSocket messages sent to clients.",
    labelNames: [],
  },
  {
    name: "channels_received_bytes_total",
    type: "counter",
    help: "Payload bytes of the WebSocket messages received.",
    labelNames: [],
  },
  {
    name: "channels_sent_bytes_total",
    type: "counter",
    help: "Payload bytes of the WebSocket messages sent.",
    labelNames: [],
  },
  {
    name: "channels_messages_dropped_total",
    type: "counter",
    help: "Messages that never reached their receiver: channel_full (a layer channel at capacity), expired (waited past expiryMs), slow_client (a WebSocket closed with 1013 because its outbound buffer overflowed; counts the connection).",
    labelNames: ["reason"],
  },
  // Consumers.
  {
    name: "channels_handler_duration_seconds",
    type: "histogram",
    help: "Time a consumer handler took, by consumer class and handler (handleUnknown for messages without one).",
    labelNames: ["consumer", "handler"],
    buckets: HANDLER_BUCKETS,
  },
  {
    name: "channels_handler_errors_total",
    type: "counter",
    help: "Handlers that threw (StopConsumer and cancellation not counted).",
    labelNames: ["consumer", "handler"],
  },
  // Channel layers.
  {
    name: "channels_layer_operation_duration_seconds",
    type: "histogram",
    help: "Time a channel layer call took, by layer class and operation (send, groupSend, groupAdd, groupDiscard, newChannel, flush); receive is counted by channels_layer_messages_received_total, as its wait is idle time.",
    labelNames: ["layer", "operation"],
    buckets: FAST_BUCKETS,
  },
  {
    name: "channels_layer_messages_received_total",
    type: "counter",
    help: "Messages a channel layer's receive returned.",
    labelNames: ["layer"],
  },
  {
    name: "channels_layer_operation_errors_total",
    type: "counter",
    help: "Channel layer calls that failed, by operation and error (ChannelFull, ChannelLayerUnavailable, ChannelLayerClosed, InvalidMessageError, other); an aborted receive is not an error.",
    labelNames: ["layer", "operation", "error"],
  },
  {
    name: "channels_layer_round_trip_duration_seconds",
    type: "histogram",
    help: "Time of one round trip to the layer's server (Redis), by layer class.",
    labelNames: ["layer"],
    buckets: FAST_BUCKETS,
  },
  {
    name: "channels_layer_reconnects_total",
    type: "counter",
    help: "Connections to the layer's server made again after being lost.",
    labelNames: ["layer"],
  },
  {
    name: "channels_layer_channels",
    type: "gauge",
    help: "Channels holding undelivered messages in an in-process layer.",
    labelNames: ["layer"],
    collected: true,
  },
  {
    name: "channels_layer_queued_messages",
    type: "gauge",
    help: "Undelivered messages held by an in-process layer.",
    labelNames: ["layer"],
    collected: true,
  },
  {
    name: "channels_layer_groups",
    type: "gauge",
    help: "Groups with at least one member in an in-process layer.",
    labelNames: ["layer"],
    collected: true,
  },
] as const satisfies readonly MetricDefinition[];

type Definitions = (typeof METRIC_DEFINITIONS)[number];
/** The name of a counter channels-ts records. */
export type CounterName = Extract<Definitions, { type: "counter" }>["name"];
/** The name of a gauge channels-ts records. */
export type GaugeName = Extract<Definitions, { type: "gauge" }>["name"];
/** The name of a histogram channels-ts records. */
export type HistogramName = Extract<Definitions, { type: "histogram" }>["name"];
/** Any metric name channels-ts records. */
export type MetricName = Definitions["name"];

const BY_NAME: ReadonlyMap<string, MetricDefinition> = new Map(METRIC_DEFINITIONS.map((d) => [d.name, d]));

/** The definition of `name`, or `undefined` when channels-ts records no such metric. */
export function metricDefinition(name: string): MetricDefinition | undefined {
  return BY_NAME.get(name);
}

/** The reference table of docs/topics/metrics.md, in Markdown. */
export function renderMetricsTable(definitions: readonly MetricDefinition[] = METRIC_DEFINITIONS): string {
  const rows = definitions.map((d) => {
    const labels = d.labelNames.length === 0 ? "" : d.labelNames.map((l) => `\`${l}\``).join(", ");
    return `| \`${d.name}\` | ${d.type} | ${labels} | ${d.help.replaceAll("|", "\\|")} |`;
  });
  return ["| name | type | labels | what it counts |", "|---|---|---|---|", ...rows].join("\n");
}
