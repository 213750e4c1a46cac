import {
  CancelledError,
  ChannelFull,
  ChannelLayerClosed,
  ChannelLayerUnavailable,
  InvalidChannelNameError,
  InvalidMessageError,
} from "../exceptions";
import { addMetricsCollector, currentMetrics, type Metrics } from "../metrics/metrics";

/** Any layer object (this module is imported by base.ts, so it does not import the layer types). */
type ChannelLayer = object;

/** The operations timed by `channels_layer_operation_duration_seconds`. */
const TIMED = ["send", "groupSend", "groupAdd", "groupDiscard", "newChannel", "flush"] as const;

type Operation = (this: ChannelLayer, a?: unknown, b?: unknown) => Promise<unknown>;

/** A bounded label for an error a layer call failed with. */
export function errorLabel(error: unknown): string {
  if (error instanceof ChannelFull) return "ChannelFull";
  if (error instanceof ChannelLayerUnavailable) return "ChannelLayerUnavailable";
  if (error instanceof ChannelLayerClosed) return "ChannelLayerClosed";
  if (error instanceof InvalidMessageError) return "InvalidMessageError";
  if (error instanceof InvalidChannelNameError) return "InvalidChannelNameError";
  return "other";
}

function recordError(metrics: Metrics, layer: string, operation: string, error: unknown): void {
  const label = errorLabel(error);
  metrics.increment("channels_layer_operation_errors_total", { layer, operation, error: label });
  if (label === "ChannelFull")
    metrics.increment("channels_messages_dropped_total", { reason: "channel_full" });
}

/**
 * Wraps the layer's own methods (once, at construction) so every call of every layer is counted
 * in one place. With metrics off a call costs one extra frame and one property read: no clock,
 * no promise.
 */
export function instrumentLayer(layer: ChannelLayer): void {
  const name = layer.constructor.name;
  const target = layer as unknown as Record<string, Operation>;
  for (const operation of TIMED) {
    const original = target[operation]!;
    const timedLabels = { layer: name, operation };
    target[operation] = function timed(this: ChannelLayer, a?: unknown, b?: unknown): Promise<unknown> {
      const metrics = currentMetrics();
      if (!metrics.enabled) return original.call(this, a, b);
      const started = performance.now();
      const done = () =>
        metrics.observe(
          "channels_layer_operation_duration_seconds",
          (performance.now() - started) / 1000,
          timedLabels,
        );
      let result: Promise<unknown>;
      try {
        result = original.call(this, a, b);
      } catch (error) {
        done();
        recordError(metrics, name, operation, error);
        throw error;
      }
      result.then(done, (error: unknown) => {
        done();
        recordError(metrics, name, operation, error);
      });
      return result;
    };
  }
  const receive = target.receive!;
  const receivedLabels = { layer: name };
  target.receive = function counted(
    this: ChannelLayer,
    channel?: unknown,
    signal?: unknown,
  ): Promise<unknown> {
    const metrics = currentMetrics();
    if (!metrics.enabled) return receive.call(this, channel, signal);
    const result = receive.call(this, channel, signal);
    result.then(
      () => metrics.increment("channels_layer_messages_received_total", receivedLabels),
      (error: unknown) => {
        // A receive stopped by its signal (its consumer ended) is how receives end, not a failure.
        if ((signal as AbortSignal | undefined)?.aborted || error instanceof CancelledError) return;
        recordError(metrics, name, "receive", error);
      },
    );
    return result;
  };
}

/**
 * Runs `collect` at each scrape while `layer` lives (the registration holds it weakly, so an
 * unclosed layer can still be garbage-collected).
 */
export function collectWhileAlive<T extends object>(
  layer: T,
  collect: (layer: T, metrics: Metrics) => void,
): void {
  const ref = new WeakRef(layer);
  const remove = addMetricsCollector((metrics) => {
    const alive = ref.deref();
    if (alive === undefined) remove();
    else collect(alive, metrics);
  });
}
