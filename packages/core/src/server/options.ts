import { ImproperlyConfigured } from "../exceptions";
import type { ChannelLayer } from "../layers/base";
import type { Logger } from "./logger";
import type { Http2Mode, TlsOptions } from "./tls-options";

/** Options shared by `serve()` and `attach()`. Every duration is in milliseconds. */
export interface ProtocolOptions {
  /**
   * ASGI `root_path`: the prefix under which the application is mounted (behind a proxy that
   * strips it, or a sub-path of a bigger site). Routers strip it before matching.
   * @default ""
   */
  rootPath?: string;
  /**
   * Trust `X-Forwarded-For`, `X-Forwarded-Port` and `X-Forwarded-Proto` for `scope.client` and
   * `scope.scheme`. Turn it on only behind a proxy that sets (and overwrites) those headers.
   * @default false
   */
  proxyHeaders?: boolean;
  /**
   * How long the application has to accept, close or deny a WebSocket before the server answers
   * HTTP 403 on its behalf.
   * @default 5_000
   */
  handshakeTimeoutMs?: number;
  /**
   * A WebSocket that has sent nothing for this long is pinged. `0` turns keepalive off.
   * @default 20_000
   */
  pingIntervalMs?: number;
  /**
   * A ping not answered within this long drops the connection (the application gets 1006).
   * @default 30_000
   */
  pingTimeoutMs?: number;
  /**
   * Largest incoming WebSocket message, in bytes; a larger one closes the socket with 1009.
   * @default 1_048_576
   */
  maxMessageBytes?: number;
  /**
   * Outbound bytes queued for one slow WebSocket client before the server closes it with 1013.
   * @default 4_194_304
   */
  maxBufferedBytes?: number;
  /**
   * An application instance still running this long after its connection ended (or after the
   * server began shutting down) is cancelled: its `receive()` and `send()` reject with
   * `CancelledError`.
   * @default 10_000
   */
  applicationCloseTimeoutMs?: number;
  /**
   * An HTTP response not started this long after the request arrived is answered with 503.
   * `undefined` waits forever.
   * @default undefined
   */
  httpTimeoutMs?: number;
  /**
   * Enables permessage-deflate on WebSockets. Off by default: it multiplies the memory of every
   * connection and costs CPU on every frame.
   * @default false
   */
  perMessageDeflate?: boolean;
  /**
   * Channel layers to register in `channelLayers` (`{ default: layer }`), and to close when the
   * server closes.
   * @default undefined
   */
  layers?: Record<string, ChannelLayer>;
  /**
   * Where access lines (`info`), warnings and errors go. `null` silences everything. The default
   * writes to the console, except access lines while tests run (`NODE_ENV=test` or `VITEST`).
   * @default console access log
   */
  logger?: Logger | null;
}

/** Options of `serve()`. */
export interface ServeOptions extends ProtocolOptions {
  /**
   * Interface to listen on. `"0.0.0.0"` or `"::"` to accept connections from other machines.
   * @default "127.0.0.1"
   */
  host?: string;
  /**
   * TCP port. `0` picks a free one; `RunningServer.port` says which.
   * @default 8000
   */
  port?: number;
  /**
   * Serve HTTPS and WSS with this PEM key and certificate (contents, not paths). Without it the
   * server speaks cleartext; leave TLS to the proxy when there is one.
   * @default undefined
   */
  tls?: TlsOptions;
  /**
   * `true` (needs `tls`): HTTP/2 and HTTP/1.1 on one port, chosen by ALPN; WebSockets as HTTP/1.1
   * upgrades or as HTTP/2 streams (RFC 8441). `"h2c"`: cleartext HTTP/2 with prior knowledge only
   * (no HTTP/1.1), for a proxy that speaks HTTP/2 to its backends; WebSockets as HTTP/2 streams
   * (RFC 8441) only.
   * @default false
   */
  http2?: Http2Mode;
  /**
   * Close gracefully on SIGINT and SIGTERM (the CLI turns this on).
   * @default false
   */
  handleSignals?: boolean;
}

/** Options of `attach()`. */
export interface AttachOptions extends ProtocolOptions {
  /**
   * Send plain HTTP requests to the application as well as WebSocket upgrades. When the
   * application raises `RouteNotFound` before it reads the body or starts a response (a
   * `ProtocolTypeRouter` without `http`, a `URLRouter` without a matching route), the request
   * goes on to the server's existing `request` handlers (Express, Fastify, …).
   * @default false
   */
  routeHttp?: boolean;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  rootPath: string;
  proxyHeaders: boolean;
  handshakeTimeoutMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  maxMessageBytes: number;
  maxBufferedBytes: number;
  applicationCloseTimeoutMs: number;
  httpTimeoutMs: number | undefined;
  perMessageDeflate: boolean;
}

export const DEFAULTS = {
  host: "127.0.0.1",
  port: 8000,
  rootPath: "",
  proxyHeaders: false,
  handshakeTimeoutMs: 5_000,
  pingIntervalMs: 20_000,
  pingTimeoutMs: 30_000,
  maxMessageBytes: 1_048_576,
  maxBufferedBytes: 4_194_304,
  applicationCloseTimeoutMs: 10_000,
  perMessageDeflate: false,
} as const;

function duration(value: unknown, name: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ImproperlyConfigured(
      `Server option ${name} must be a number of milliseconds${allowZero ? " ≥ 0" : " > 0"}; got ${String(value)}.`,
    );
  }
  return value;
}

function byteCount(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new ImproperlyConfigured(
      `Server option ${name} must be a positive integer of bytes; got ${String(value)}.`,
    );
  }
  return value;
}

function bool(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new ImproperlyConfigured(`Server option ${name} must be true or false; got ${String(value)}.`);
  }
  return value;
}

/** Applies defaults and rejects bad values with a message that names the option. */
export function resolveOptions(options: ProtocolOptions): ResolvedOptions {
  if (options === null || typeof options !== "object") {
    throw new ImproperlyConfigured(`Server options must be an object; got ${String(options)}.`);
  }
  const rootPath = options.rootPath ?? DEFAULTS.rootPath;
  if (
    typeof rootPath !== "string" ||
    (rootPath !== "" && (!rootPath.startsWith("/") || rootPath.endsWith("/")))
  ) {
    throw new ImproperlyConfigured(
      `Server option rootPath must be "" or a path like "/app" (leading slash, no trailing slash); got ${String(rootPath)}.`,
    );
  }
  const httpTimeoutMs =
    options.httpTimeoutMs === undefined ? undefined : duration(options.httpTimeoutMs, "httpTimeoutMs", 0);
  if (options.layers !== undefined && (options.layers === null || typeof options.layers !== "object")) {
    throw new ImproperlyConfigured(
      "Server option layers must be an object of alias → ChannelLayer, e.g. { default: layer }.",
    );
  }
  const logger = options.logger;
  if (
    logger !== undefined &&
    logger !== null &&
    (typeof logger.info !== "function" ||
      typeof logger.warn !== "function" ||
      typeof logger.error !== "function")
  ) {
    throw new ImproperlyConfigured(
      "Server option logger must have info, warn and error methods, or be null to silence it.",
    );
  }
  return {
    rootPath,
    proxyHeaders: bool(options.proxyHeaders, "proxyHeaders", DEFAULTS.proxyHeaders),
    handshakeTimeoutMs: duration(
      options.handshakeTimeoutMs,
      "handshakeTimeoutMs",
      DEFAULTS.handshakeTimeoutMs,
    ),
    pingIntervalMs: duration(options.pingIntervalMs, "pingIntervalMs", DEFAULTS.pingIntervalMs, true),
    pingTimeoutMs: duration(options.pingTimeoutMs, "pingTimeoutMs", DEFAULTS.pingTimeoutMs),
    maxMessageBytes: byteCount(options.maxMessageBytes, "maxMessageBytes", DEFAULTS.maxMessageBytes),
    maxBufferedBytes: byteCount(options.maxBufferedBytes, "maxBufferedBytes", DEFAULTS.maxBufferedBytes),
    applicationCloseTimeoutMs: duration(
      options.applicationCloseTimeoutMs,
      "applicationCloseTimeoutMs",
      DEFAULTS.applicationCloseTimeoutMs,
    ),
    httpTimeoutMs,
    perMessageDeflate: bool(options.perMessageDeflate, "perMessageDeflate", DEFAULTS.perMessageDeflate),
  };
}
