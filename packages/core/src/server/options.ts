import { ImproperlyConfigured } from "../exceptions";
import type { ChannelLayer } from "../layers/base";
import type { Metrics } from "../metrics/metrics";
import type { Logger } from "./logger";
import { type OptionCheck, type OptionName, type OptionRow, SERVER_OPTIONS } from "./options-table";
import type { Http2Mode, TlsOptions } from "./tls-options";

/**
 * Options shared by `serve()` and `attach()`. Every duration is in milliseconds. Defaults, checks,
 * CLI flags and the docs table come from `SERVER_OPTIONS` (options-table.ts); each `@default`
 * here is checked against it.
 */
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
   * WebSocket handshakes (HTTP/1.1 upgrades and HTTP/2 extended CONNECTs) waiting for the
   * application to accept, close or deny at once; more get 503 with `Retry-After` at once.
   * @default 1_000
   */
  maxPendingHandshakes?: number;
  /**
   * Outbound bytes queued for one slow WebSocket client before the server closes it with 1013.
   * @default 4_194_304
   */
  maxBufferedBytes?: number;
  /**
   * Largest request body the server delivers to the application, in bytes. A body declared
   * larger (`Content-Length`) or received larger is answered with 413 and not read further (the
   * HTTP/1.1 connection closes; the HTTP/2 stream is reset after the answer), and the application
   * gets `http.disconnect`. Bodies the application does not read are never read into memory.
   * An application that streams its body lifts it per request with `setRequestBodyLimit(scope, null)`.
   * @default 2_621_440
   */
  maxRequestBodyBytes?: number;
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
  /**
   * Query-string parameters whose values the server never writes to a log: access lines and
   * error lines show them as `[redacted]`. `TokenAuthMiddleware` reads `?token=` by default (and
   * removes it from the scope your consumer sees); add its `queryParam` here if you changed it.
   * `[]` logs query strings whole.
   * @default ["token", "access_token"]
   */
  redactQueryParams?: readonly string[];
  /**
   * Where the server, the consumers and the layers record metrics while the server runs
   * (`useMetrics()` process-wide; the previous backend comes back at `close()`). Nothing is
   * recorded without it.
   * @default undefined
   */
  metrics?: Metrics;
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
   * An HTTP/1.1 client must send its whole request head (request line and headers) within this,
   * else it gets 408 and is disconnected: Node's `headersTimeout`, against clients that send
   * their headers a byte at a time (slowloris).
   * @default 20_000
   */
  headersTimeoutMs?: number;
  /**
   * A client must send its whole request, body included, within this, else it gets 408: on
   * HTTP/1.1 Node's `requestTimeout` (the connection is closed), on HTTP/2 the same for each
   * stream's body (the stream is reset). At least `headersTimeoutMs`.
   * @default 300_000
   */
  requestTimeoutMs?: number;
  /**
   * Largest request head, in bytes: larger headers get 431 on HTTP/1.1 (Node's `maxHeaderSize`);
   * on HTTP/2 it is the `SETTINGS_MAX_HEADER_LIST_SIZE` the server announces.
   * @default 16_384
   */
  maxHeaderBytes?: number;
  /**
   * Close gracefully on SIGINT and SIGTERM (the CLI turns this on).
   * @default false
   */
  handleSignals?: boolean;
  /**
   * Serve `/metrics` (Prometheus text, with a `metrics` backend that can scrape), `/healthz` (the
   * process answers) and `/readyz` (every registered channel layer answers its `ping()`, else
   * 503): `true` on the main port, ahead of the application; a port number (`0`: a free one,
   * `RunningServer.healthPort` says which) on a port of their own, on the same `host`.
   * @default false
   */
  healthEndpoints?: boolean | number;
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

/**
 * Every option of `serve()` and `attach()` has a row in the options table, and every row is an
 * option: "Type 'true' is not assignable to type 'false'" here means one of them is missing.
 */
type Documented = keyof ServeOptions | keyof AttachOptions;
type Unmatched = Exclude<Documented, OptionName> | Exclude<OptionName, Documented>;
const tableMatchesInterfaces: [Unmatched] extends [never] ? true : false = true;
void tableMatchesInterfaces;

type Table = typeof SERVER_OPTIONS;
type Checked = { [K in OptionName]: Table[K] extends { check: OptionCheck } ? K : never }[OptionName];
type CheckedValue<C> = C extends "boolean"
  ? boolean
  : C extends "root-path"
    ? string
    : C extends "names"
      ? readonly string[]
      : number;

/** Options after defaults and validation: every option of the table with a `check`. */
export type ResolvedOptions = {
  -readonly [K in Checked]: Table[K] extends { check: infer C; default: infer D }
    ? CheckedValue<C> | (D extends undefined ? undefined : never)
    : never;
};

export { DEFAULTS } from "./options-table";

function duration(value: unknown, name: string, allowZero: boolean): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ImproperlyConfigured(
      `Server option ${name} must be a number of milliseconds${allowZero ? " ≥ 0" : " > 0"}; got ${String(value)}.`,
    );
  }
  return value;
}

/** The checks of the table's `check` column; each gets a value that is not `undefined`. */
const CHECKS: Record<OptionCheck, (value: unknown, name: string) => unknown> = {
  duration: (value, name) => duration(value, name, false),
  "duration-or-off": (value, name) => duration(value, name, true),
  bytes(value, name) {
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      throw new ImproperlyConfigured(
        `Server option ${name} must be a positive integer of bytes; got ${String(value)}.`,
      );
    }
    return value;
  },
  boolean(value, name) {
    if (typeof value !== "boolean") {
      throw new ImproperlyConfigured(`Server option ${name} must be true or false; got ${String(value)}.`);
    }
    return value;
  },
  names(value, name) {
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string" || item === "")) {
      throw new ImproperlyConfigured(
        `Server option ${name} must be an array of non-empty strings, e.g. ["token"]; got ${JSON.stringify(value)}.`,
      );
    }
    return Object.freeze([...value]);
  },
  count(value, name) {
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      throw new ImproperlyConfigured(
        `Server option ${name} must be a positive integer; got ${String(value)}.`,
      );
    }
    return value;
  },
  "root-path"(value, name) {
    if (typeof value !== "string" || (value !== "" && (!value.startsWith("/") || value.endsWith("/")))) {
      throw new ImproperlyConfigured(
        `Server option ${name} must be "" or a path like "/app" (leading slash, no trailing slash); got ${String(value)}.`,
      );
    }
    return value;
  },
};

/** Applies defaults and rejects bad values with a message that names the option. */
export function resolveOptions(options: ProtocolOptions): ResolvedOptions {
  if (options === null || typeof options !== "object") {
    throw new ImproperlyConfigured(`Server options must be an object; got ${String(options)}.`);
  }
  const given = options as Record<string, unknown>;
  const resolved: Record<string, unknown> = {};
  for (const [name, row] of Object.entries(SERVER_OPTIONS as Record<string, OptionRow>)) {
    if (row.check === undefined) continue;
    const value = given[name];
    resolved[name] = value === undefined ? row.default : CHECKS[row.check](value, name);
  }
  if (options.layers !== undefined && (options.layers === null || typeof options.layers !== "object")) {
    throw new ImproperlyConfigured(
      "Server option layers must be an object of alias → ChannelLayer, e.g. { default: layer }.",
    );
  }
  const metrics = options.metrics;
  if (
    metrics !== undefined &&
    (metrics === null ||
      typeof metrics !== "object" ||
      typeof metrics.increment !== "function" ||
      typeof metrics.observe !== "function")
  ) {
    throw new ImproperlyConfigured(
      "Server option metrics must be a Metrics backend, e.g. new PrometheusMetrics({ registry }) from @channels-ts/metrics/prometheus.",
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
  if ((resolved.headersTimeoutMs as number) > (resolved.requestTimeoutMs as number)) {
    throw new ImproperlyConfigured(
      `Server option headersTimeoutMs (${String(resolved.headersTimeoutMs)}) must not exceed requestTimeoutMs (${String(resolved.requestTimeoutMs)}): the headers are part of the request.`,
    );
  }
  return resolved as ResolvedOptions;
}
