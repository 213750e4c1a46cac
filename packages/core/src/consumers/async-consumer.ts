import { CancelledError, InvalidChannelLayerError, NoHandlerError, StopConsumer } from "../exceptions";
import type { ChannelLayer } from "../layers/base";
import { DEFAULT_CHANNEL_LAYER, getChannelLayer } from "../layers/registry";
import { currentMetrics } from "../metrics/metrics";
import type { Application, LayerMessage, Receive, Scope, Send } from "../protocol/types";
import type { RouteKwargs } from "../routing/route-params";
import { dispatchLoop, loopStarted, type SourceWatcher, sourceFailed, sourceYielded } from "./dispatch-loop";
import { getHandlerName } from "./handler-name";
import { markFrameworkClass, reservedNamesOf } from "./reserved-names";

// The reasons `signal` fires with: shared, so ending an instance that never asked for it allocates nothing.
const CONNECTION_ENDED = new CancelledError("The connection ended");
const CONSUMER_STOPPED = new CancelledError("The consumer stopped");

/** The application `asAsgi()` returns, carrying the class and arguments it was made from. */
export interface ConsumerApplication<C extends AsyncConsumer = AsyncConsumer, A extends unknown[] = unknown[]>
  extends Application {
  readonly consumerClass: new (...args: A) => C;
  readonly consumerArgs: A;
}

/** What a consumer calls on its layer; a TypeError reading one of these off `null` means no layer. */
const LAYER_METHODS = new Set([
  "send",
  "receive",
  "newChannel",
  "groupAdd",
  "groupDiscard",
  "groupSend",
  "flush",
  "close",
]);

/** One label object per consumer class and handler, so metrics backends can cache the series. */
const labelCache = new WeakMap<object, Map<string, { consumer: string; handler: string }>>();
function handlerLabels(consumer: { name: string }, handler: string): { consumer: string; handler: string } {
  let byHandler = labelCache.get(consumer);
  if (byHandler === undefined) {
    byHandler = new Map();
    labelCache.set(consumer, byHandler);
  }
  let labels = byHandler.get(handler);
  if (labels === undefined) {
    labels = { consumer: consumer.name, handler };
    byHandler.set(handler, labels);
  }
  return labels;
}

/**
 * The base consumer: one instance per connection scope. It listens to the client (through the
 * server's `receive`) and to its own channel on the channel layer, and dispatches every message to
 * the method named by its type (`"chat.message"` → `chat_message`), one at a time, in arrival
 * order, client messages first on ties.
 *
 * Raise `StopConsumer` in a handler to end the instance.
 *
 * `Kwargs` types the route's kwargs, read with `this.routeKwargs`: `class Chat extends
 * AsyncWebsocketConsumer<{ room: string }>`. `path()` checks them against its pattern.
 */
export class AsyncConsumer<Kwargs extends RouteKwargs = RouteKwargs> implements SourceWatcher<LayerMessage> {
  /** Which registered channel layer the consumer uses (`channelLayers.set(alias, layer)`). */
  static channelLayerAlias: string = DEFAULT_CHANNEL_LAYER;

  /** The connection scope, as routers and middleware passed it. */
  scope!: Scope;
  /** The channel layer, or `null` when none is registered under `channelLayerAlias`. */
  channelLayer: ChannelLayer | null = null;
  /** This instance's process-local channel on the layer; `""` without a layer. */
  channelName = "";
  /** The raw ASGI send. */
  baseSend!: Send;
  /**
   * What `signal` is made from, made only when asked for (or when the layer receive needs it):
   * the controller, or the reason the instance ended before anyone asked, or nothing yet.
   */
  #lifetime: AbortController | Error | undefined = undefined;
  /** The dispatch loop's switch to keep listening while a handler runs; flipped when `signal` is read. */
  #pullAhead: (() => void) | undefined = undefined;

  /**
   * Aborted when this instance's connection ends (`websocket.disconnect` / `http.disconnect`
   * arrives, even while a handler is still running) or it is cancelled or stops. Pass it to what a
   * handler awaits (`fetch(url, { signal: this.signal })`, `setTimeout` from `node:timers/promises`,
   * database calls), so nothing outlives the connection. Made on first use: consumers that never
   * read it pay nothing. A handler that then rejects with the signal's reason (or an `AbortError`)
   * ends the consumer quietly.
   */
  get signal(): AbortSignal {
    // From now on the loop listens while handlers run, so a disconnect can fire the signal.
    this.#pullAhead?.();
    return this.#controller().signal;
  }

  #controller(): AbortController {
    const state = this.#lifetime;
    if (state instanceof AbortController) return state;
    const controller = new AbortController();
    if (state !== undefined) controller.abort(state);
    this.#lifetime = controller;
    return controller;
  }

  /** Fires `signal` (now, or when it is first asked for) with `reason`. */
  #end(reason: Error): void {
    const state = this.#lifetime;
    if (state === undefined) this.#lifetime = reason;
    else if (state instanceof AbortController && !state.signal.aborted) state.abort(reason);
  }

  /** Whether `error` is what an aborted `signal` made a handler throw. */
  #isOwnAbort(error: unknown): boolean {
    const state = this.#lifetime;
    if (!(state instanceof AbortController) || !state.signal.aborted) return false;
    return error === state.signal.reason || (error instanceof Error && error.name === "AbortError");
  }

  /** @internal The dispatch loop calls it as a message arrives: a disconnect ends `signal` at once. */
  [sourceYielded](message: LayerMessage): void {
    if (message.type === "websocket.disconnect" || message.type === "http.disconnect")
      this.#end(CONNECTION_ENDED);
  }

  /** @internal The dispatch loop hands over its pull-ahead switch. */
  [loopStarted](pullAhead: () => void): void {
    this.#pullAhead = pullAhead;
  }

  /** @internal The dispatch loop calls it as a source fails (cancelled, or a layer error). */
  [sourceFailed](error: unknown): void {
    this.#end(error instanceof Error ? error : CONSUMER_STOPPED);
  }

  /**
   * The kwargs the URL route captured (`scope.url_route.kwargs`), typed by the class's `Kwargs`:
   * `path("ws/chat/<room>/", Chat.asAsgi())` gives `this.routeKwargs.room`. `{}` outside a router.
   */
  get routeKwargs(): Kwargs {
    return ((this.scope as Scope | undefined)?.url_route?.kwargs ?? {}) as Kwargs;
  }

  /**
   * An `Application` that makes a new instance of this class for every scope, passing `args` to
   * its constructor.
   */
  static asAsgi<C extends AsyncConsumer, A extends unknown[]>(
    this: new (
      ...args: A
    ) => C,
    ...args: A
  ): ConsumerApplication<C, A> {
    const app = (scope: Scope, receive: Receive, send: Send) => new this(...args).run(scope, receive, send);
    Object.defineProperty(app, "name", { value: this.name });
    return Object.assign(app, { consumerClass: this, consumerArgs: args });
  }

  /** Runs this instance as the application for one scope; `asAsgi()` calls it. */
  async run(scope: Scope, receive: Receive, send: Send): Promise<void> {
    this.scope = scope;
    this.baseSend = send;
    const alias = (this.constructor as typeof AsyncConsumer).channelLayerAlias;
    const layer = getChannelLayer(alias);
    this.channelLayer = layer;
    try {
      const sources: Array<() => Promise<LayerMessage>> = [receive as () => Promise<LayerMessage>];
      if (layer) {
        const channelName = await layer.newChannel();
        this.channelName = channelName;
        // The layer receive stops with `signal`: one controller per instance serves both.
        const { signal } = this.#controller();
        sources.push(() => layer.receive(channelName, signal));
      }
      await dispatchLoop(sources, (message) => this.dispatch(message), this);
    } catch (error) {
      // StopConsumer ends the consumer cleanly; so does the server or a communicator cancelling it,
      // and a handler giving up because its connection ended.
      if (error instanceof StopConsumer || error instanceof CancelledError || this.#isOwnAbort(error)) return;
      throw layerMissing(this, error) ?? error;
    } finally {
      this.#end(CONSUMER_STOPPED);
      await this.cleanup();
    }
  }

  /** Calls the handler named by `message.type`, or `handleUnknown` if there is none. */
  async dispatch(message: LayerMessage): Promise<void> {
    const name = getHandlerName(message);
    const handler = reservedNamesOf(this).has(name)
      ? undefined
      : (this as unknown as Record<string, unknown>)[name];
    const metrics = currentMetrics();
    // Timed in place (no extra async frame), and only with a metrics backend: with none, the
    // clock is never read.
    const started = metrics.enabled ? performance.now() : 0;
    try {
      if (typeof handler === "function") {
        await (handler as (message: LayerMessage) => unknown).call(this, message);
      } else {
        await this.handleUnknown(message);
      }
    } catch (error) {
      if (metrics.enabled && !(error instanceof StopConsumer || error instanceof CancelledError)) {
        metrics.increment("channels_handler_errors_total", this.handlerLabels(handler, name));
      }
      throw error;
    } finally {
      if (metrics.enabled) {
        const seconds = (performance.now() - started) / 1000;
        metrics.observe("channels_handler_duration_seconds", seconds, this.handlerLabels(handler, name));
      }
    }
  }

  /** The handler's name, never the message type: a type nobody handles could be anything. */
  private handlerLabels(handler: unknown, name: string): { consumer: string; handler: string } {
    return handlerLabels(this.constructor, typeof handler === "function" ? name : "handleUnknown");
  }

  /**
   * Called for a message whose type has no handler. Throws `NoHandlerError`, ending the consumer,
   * as Django does; override it to ignore or log such messages instead.
   */
  async handleUnknown(message: LayerMessage): Promise<void> {
    const name = getHandlerName(message);
    throw new NoHandlerError(message.type, name, this.constructor.name, reservedNamesOf(this).has(name));
  }

  /** Runs once when the instance ends, however it ends. Subclasses release what they hold. */
  protected async cleanup(): Promise<void> {}
}

markFrameworkClass(AsyncConsumer, ["scope", "channelLayer", "channelName", "baseSend"]);

/**
 * `this.channelLayer!.groupAdd(…)` with no layer registered is a TypeError about `null`; say
 * instead which alias was looked up and how to register a layer.
 */
function layerMissing(consumer: AsyncConsumer, error: unknown): InvalidChannelLayerError | undefined {
  if (consumer.channelLayer !== null || !(error instanceof TypeError)) return undefined;
  const method = /^Cannot read properties of null \(reading '(\w+)'\)/.exec(error.message)?.[1];
  if (method === undefined || !LAYER_METHODS.has(method)) return undefined;
  const alias = (consumer.constructor as typeof AsyncConsumer).channelLayerAlias;
  const missing = new InvalidChannelLayerError(
    `${consumer.constructor.name} called channelLayer.${method}(), but no channel layer is registered as "${alias}" ` +
      `(this.channelLayer is null). Register one before clients connect: serve(app, { layers: { ${alias}: new InMemoryChannelLayer() } }), ` +
      `or channelLayers.set("${alias}", layer) (in tests, before the communicator connects).`,
  );
  missing.cause = error;
  return missing;
}
