import { ChannelLayerClosed, InvalidChannelLayerError, InvalidMessageError } from "../exceptions";
import type { ChannelLayer } from "../layers/base";
import type { Application, ChannelScope, ReceiveEvent, SendEvent } from "../protocol/types";
import { ApplicationInstance } from "./instance";
import { type Logger, resolveLogger } from "./logger";
import { DEFAULTS } from "./options-table";

/** Options of `Worker`. */
export interface WorkerOptions {
  /**
   * After `close()`, how long instances may run before they are cancelled.
   * @default 10_000
   */
  applicationCloseTimeoutMs?: number;
  /**
   * Where errors go; `null` silences them.
   * @default console
   */
  logger?: Logger | null;
}

/** One application instance per channel name; layer messages arrive through its `receive()`. */
class ChannelInstance extends ApplicationInstance {
  readonly scope: ChannelScope;
  constructor(
    channel: string,
    private readonly logger: Logger,
  ) {
    super();
    this.scope = { type: "channel", channel };
  }
  protected handleSend(event: SendEvent): undefined {
    throw new TypeError(
      `A worker channel has no client to send "${event.type}" to: send to other channels through the channel layer.`,
    );
  }
  protected onApplicationReturn(): void {}
  protected onApplicationError(error: unknown): void {
    this.logger.error(
      { event: "worker.application_error", err: error },
      `Exception inside application (worker channel ${this.scope.channel}):`,
    );
  }
}

/**
 * Django's `Worker` (`runworker`): listens on `channels` of `layer` and hands every message to
 * the application, one instance per channel name (scope `{type: "channel", channel}`), so the
 * messages of one channel are handled one at a time, in order. Use it with `ChannelNameRouter`.
 */
export class Worker {
  private readonly layer: ChannelLayer;
  private readonly channels: string[];
  private readonly logger: Logger;
  private readonly closeTimeoutMs: number;
  private readonly abort = new AbortController();
  private readonly instances = new Map<string, ChannelInstance>();
  private running: Promise<void> | null = null;

  constructor(
    private readonly app: Application,
    channels: readonly string[],
    layer: ChannelLayer | null | undefined,
    options: WorkerOptions = {},
  ) {
    if (layer === null || layer === undefined || typeof layer.receive !== "function") {
      throw new InvalidChannelLayerError(
        "Channel layer is not valid: pass a ChannelLayer, e.g. new Worker(app, channels, getChannelLayer()) after registering one.",
      );
    }
    if (typeof app !== "function") {
      throw new TypeError(
        "Worker needs an application: an async function (scope, receive, send), e.g. ChannelNameRouter({...}).",
      );
    }
    if (
      !Array.isArray(channels) ||
      channels.length === 0 ||
      channels.some((c) => typeof c !== "string" || c === "")
    ) {
      throw new TypeError('Worker needs a non-empty array of channel names, e.g. ["thumbnails-generate"].');
    }
    this.layer = layer;
    this.channels = [...new Set(channels)];
    this.logger = resolveLogger(options.logger);
    this.closeTimeoutMs = options.applicationCloseTimeoutMs ?? DEFAULTS.applicationCloseTimeoutMs;
  }

  /**
   * Listens until `close()`. Resolves after `close()`; rejects when a listener stopped on an
   * error (a message without `type`, a broken layer) once every listener has stopped, as Django does.
   */
  run(): Promise<void> {
    if (this.running === null) this.running = this.listenAll();
    return this.running;
  }

  private async listenAll(): Promise<void> {
    const results = await Promise.allSettled(this.channels.map((channel) => this.listen(channel)));
    const failure = results.find((result) => result.status === "rejected");
    if (failure !== undefined) throw (failure as PromiseRejectedResult).reason;
  }

  private async listen(channel: string): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      let message: unknown;
      try {
        message = await this.layer.receive(channel, signal);
      } catch (error) {
        if (signal.aborted || error instanceof ChannelLayerClosed) return;
        throw error;
      }
      const type = (message as { type?: unknown } | null)?.type;
      if (typeof type !== "string" || type === "") {
        const error = new InvalidMessageError(
          `Worker received message with no type on channel "${channel}": every layer message needs a string type, e.g. {type: "thumbnails.generate", ...}. This listener stopped.`,
        );
        this.logger.error({ event: "worker.error" }, error.message);
        throw error;
      }
      this.instanceFor(channel).deliver(message as unknown as ReceiveEvent);
    }
  }

  private instanceFor(channel: string): ChannelInstance {
    let instance = this.instances.get(channel);
    if (instance === undefined || instance.finished) {
      instance = new ChannelInstance(channel, this.logger);
      this.instances.set(channel, instance);
      instance.start(this.app);
    }
    return instance;
  }

  /** Stops listening, lets instances finish up to `applicationCloseTimeoutMs`, then cancels them. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.running?.catch(() => {});
    // Instances idle in receive() have nothing left to do: cancel those at once.
    for (const instance of this.stillRunning()) if (instance.waiting) instance.cancel();
    if (this.stillRunning().length > 0) await this.allFinished(this.closeTimeoutMs);
    for (const instance of this.stillRunning()) instance.cancel();
  }

  private stillRunning(): ChannelInstance[] {
    return [...this.instances.values()].filter((instance) => !instance.finished);
  }

  /** Resolves when every instance has finished, or after `timeoutMs`. */
  private allFinished(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        for (const instance of this.instances.values()) instance.onFinished = null;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const check = (): void => {
        if (this.stillRunning().length === 0) done();
      };
      for (const instance of this.instances.values()) instance.onFinished = check;
    });
  }
}
