import { CancelledError, NoHandlerError, StopConsumer } from "../exceptions";
import type { ChannelLayer } from "../layers/base";
import { DEFAULT_CHANNEL_LAYER, getChannelLayer } from "../layers/registry";
import type { Application, LayerMessage, Receive, Scope, Send } from "../protocol/types";
import { dispatchLoop } from "./dispatch-loop";
import { getHandlerName } from "./handler-name";
import { markFrameworkClass, reservedNamesOf } from "./reserved-names";

/** The application `asAsgi()` returns, carrying the class and arguments it was made from. */
export interface ConsumerApplication<C extends AsyncConsumer = AsyncConsumer, A extends unknown[] = unknown[]>
  extends Application {
  readonly consumerClass: new (...args: A) => C;
  readonly consumerArgs: A;
}

/**
 * The base consumer: one instance per connection scope. It listens to the client (through the
 * server's `receive`) and to its own channel on the channel layer, and dispatches every message to
 * the method named by its type (`"chat.message"` → `chat_message`), one at a time, in arrival
 * order, client messages first on ties.
 *
 * Raise `StopConsumer` in a handler to end the instance.
 */
export class AsyncConsumer {
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
    const stopListening = new AbortController();
    try {
      const sources: Array<() => Promise<LayerMessage>> = [receive as () => Promise<LayerMessage>];
      if (layer) {
        const channelName = await layer.newChannel();
        this.channelName = channelName;
        sources.push(() => layer.receive(channelName, stopListening.signal));
      }
      await dispatchLoop(sources, (message) => this.dispatch(message));
    } catch (error) {
      // StopConsumer ends the consumer cleanly; so does the server or a communicator cancelling it.
      if (error instanceof StopConsumer || error instanceof CancelledError) return;
      throw error;
    } finally {
      stopListening.abort(new CancelledError("The consumer stopped"));
      await this.cleanup();
    }
  }

  /** Calls the handler named by `message.type`, or `handleUnknown` if there is none. */
  async dispatch(message: LayerMessage): Promise<void> {
    const name = getHandlerName(message);
    const handler = reservedNamesOf(this).has(name)
      ? undefined
      : (this as unknown as Record<string, unknown>)[name];
    if (typeof handler === "function") {
      await (handler as (message: LayerMessage) => unknown).call(this, message);
    } else {
      await this.handleUnknown(message);
    }
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
