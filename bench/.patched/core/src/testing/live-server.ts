import type { Application } from "../protocol/types";
import type { ServeOptions } from "../server/options";
import { type RunningServer, serve } from "../server/serve";

/** Options of `LiveServer.start()`: those of `serve()`, without `port` (always a free one). */
export interface LiveServerOptions extends Omit<ServeOptions, "port" | "handleSignals"> {}

/**
 * The real server on a free port of 127.0.0.1, for end-to-end tests with real clients
 * (`ws`, `fetch`, a browser). Django's `ChannelsLiveServerTestCase`, in-process.
 *
 * ```ts
 * const live = await LiveServer.start(application);
 * const socket = new WebSocket(`${live.wsUrl}/ws/chat/lobby/`);
 * await live.close();
 * ```
 * Silent by default (`logger: null`); pass a logger to see access lines and errors.
 */
export class LiveServer {
  private constructor(private readonly server: RunningServer) {}

  static async start(app: Application, options: LiveServerOptions = {}): Promise<LiveServer> {
    const server = await serve(app, { logger: null, ...options, host: options.host ?? "127.0.0.1", port: 0 });
    return new LiveServer(server);
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return this.server.url;
  }

  /** `ws://127.0.0.1:<port>` */
  get wsUrl(): string {
    return `ws${this.server.url.slice(4)}`;
  }

  get port(): number {
    return this.server.port;
  }

  get host(): string {
    return this.server.host;
  }

  /** Graceful shutdown, as `RunningServer.close()`. */
  close(): Promise<void> {
    return this.server.close();
  }
}
