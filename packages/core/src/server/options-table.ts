/**
 * The one description of the server's options. `options.ts` takes the defaults and the checks
 * from it, the CLI its flags and `--help`, and docs/topics/server.md its options table (a test
 * fails when that table is stale; `node scripts/update-server-options-docs.mjs` rewrites it).
 * Adding an option: a row here, its JSDoc in `options.ts` (checked against `default`), and, if
 * the protocols read it, a field of `ResolvedOptions` follows from `check`.
 */

/** How `resolveOptions` checks a value; options without a `check` are checked where they are used. */
export type OptionCheck =
  | "duration"
  | "duration-or-off"
  | "bytes"
  | "count"
  | "boolean"
  | "root-path"
  | "names";

/** A command-line flag of `channels serve` (and of `channels worker` with `worker`). */
export interface OptionFlag {
  /** Without the leading `--`. */
  readonly flag: string;
  /** What it takes: `n` a number, `value` a string, nothing for a switch. */
  readonly takes: "n" | "value" | null;
  /** One line for `--help`. */
  readonly help: string;
  /** How `--help` shows the default, when the option's default does not say it. */
  readonly shown?: string;
}

export interface OptionRow {
  /** The functions that take it (`serve()` takes every option but `routeHttp`). */
  readonly for: "both" | "serve" | "attach";
  /** The default; `undefined` when there is none. */
  readonly default: string | number | boolean | readonly string[] | undefined;
  /** How the docs show the default, when the value does not say it (`"console"`). */
  readonly shown?: string;
  readonly check?: OptionCheck;
  /** The `channels serve` flags that set it; none when the CLI cannot. */
  readonly flags: readonly OptionFlag[];
  /** What the docs table says in the flag column when there is no flag of its own. */
  readonly flagNote?: string;
  /** The same option's flag on `channels worker`, with its help there. */
  readonly worker?: string;
  /** The docs table's meaning column (Markdown). */
  readonly doc: string;
}

const n = "n" as const;
const value = "value" as const;

export const SERVER_OPTIONS = {
  host: {
    for: "serve",
    default: "127.0.0.1",
    flags: [{ flag: "host", takes: value, help: "interface to listen on" }],
    doc: 'interface to listen on; `"0.0.0.0"` or `"::"` for other machines',
  },
  port: {
    for: "serve",
    default: 8000,
    flags: [{ flag: "port", takes: n, help: "TCP port (0 picks a free one)" }],
    doc: "TCP port; `0` picks a free one",
  },
  rootPath: {
    for: "both",
    default: "",
    check: "root-path",
    flags: [{ flag: "root-path", takes: value, help: "ASGI root_path, the mount point behind a proxy" }],
    doc: "ASGI `root_path`: the prefix the application is mounted under; routers strip it",
  },
  proxyHeaders: {
    for: "both",
    default: false,
    check: "boolean",
    flags: [{ flag: "proxy-headers", takes: null, help: "trust X-Forwarded-For/-Port/-Proto" }],
    doc: "trust `X-Forwarded-For`, `-Port` and `-Proto` for `scope.client` and `scope.scheme`",
  },
  handshakeTimeoutMs: {
    for: "both",
    default: 5_000,
    check: "duration",
    flags: [
      { flag: "handshake-timeout-ms", takes: n, help: "accept or close a WebSocket within this, else 403" },
    ],
    doc: "the application must accept, close or deny a WebSocket in time, else the client gets 403",
  },
  pingIntervalMs: {
    for: "both",
    default: 20_000,
    check: "duration-or-off",
    flags: [{ flag: "ping-interval-ms", takes: n, help: "ping WebSockets idle this long (0: never)" }],
    doc: "a WebSocket silent this long is pinged; `0` turns keepalive off",
  },
  pingTimeoutMs: {
    for: "both",
    default: 30_000,
    check: "duration",
    flags: [{ flag: "ping-timeout-ms", takes: n, help: "drop a WebSocket whose pong is this late" }],
    doc: "a ping not answered in time drops the connection (the application gets 1006)",
  },
  maxMessageBytes: {
    for: "both",
    default: 1_048_576,
    check: "bytes",
    flags: [{ flag: "max-message-bytes", takes: n, help: "larger incoming messages close with 1009" }],
    doc: "a larger incoming WebSocket message closes the socket with 1009",
  },
  maxPendingHandshakes: {
    for: "both",
    default: 1_000,
    check: "count",
    flags: [
      {
        flag: "max-pending-handshakes",
        takes: n,
        help: "answer 503 + Retry-After to WebSocket handshakes past this many waiting",
      },
    ],
    doc: "WebSocket handshakes waiting for the application at once; more get 503 with `Retry-After` (each holds at most 16 KiB a client sends early)",
  },
  maxBufferedBytes: {
    for: "both",
    default: 4_194_304,
    check: "bytes",
    flags: [
      {
        flag: "max-buffered-bytes",
        takes: n,
        help: "outbound bytes queued per client before closing it with 1013",
      },
    ],
    doc: "outbound bytes queued for one slow client before it is closed with 1013",
  },
  maxRequestBodyBytes: {
    for: "both",
    default: 2_621_440,
    check: "bytes",
    flags: [
      {
        flag: "max-request-body-bytes",
        takes: n,
        help: "answer 413 to a request body larger than this, read or declared",
      },
    ],
    doc: "a request body larger than this (declared in `Content-Length`, or once received) gets 413 and is not read further; an application that streams its body lifts it per request with `setRequestBodyLimit(scope, null)` ([request bodies](#request-bodies))",
  },
  applicationCloseTimeoutMs: {
    for: "both",
    default: 10_000,
    check: "duration",
    flags: [
      {
        flag: "application-close-timeout-ms",
        takes: n,
        help: "cancel an instance still running this long after disconnect",
      },
    ],
    worker: "on shutdown, cancel instances still running after this",
    doc: "an application instance still running this long after its connection ended (or after shutdown began) is cancelled",
  },
  httpTimeoutMs: {
    for: "both",
    default: undefined,
    check: "duration",
    flags: [{ flag: "http-timeout-ms", takes: n, help: "answer 503 when no response started within this" }],
    doc: "an HTTP response not started in time is answered with 503",
  },
  perMessageDeflate: {
    for: "both",
    default: false,
    check: "boolean",
    flags: [{ flag: "per-message-deflate", takes: null, help: "enable WebSocket compression" }],
    doc: "WebSocket compression; off because it multiplies the memory of every connection",
  },
  layers: {
    for: "both",
    default: undefined,
    flags: [],
    doc: "`{ alias: layer }`: registered in `channelLayers` at start, closed by `close()`",
  },
  logger: {
    for: "both",
    default: undefined,
    shown: "console",
    flags: [
      {
        flag: "no-access-log",
        takes: null,
        help: "do not log one line per request/connection",
        shown: "off",
      },
    ],
    doc: "where access lines and errors go; `null` silences it ([logging](#logging))",
  },
  redactQueryParams: {
    for: "both",
    default: ["token", "access_token"],
    shown: '`["token", "access_token"]`',
    check: "names",
    flags: [
      {
        flag: "redact-query-params",
        takes: value,
        help: "comma-separated query parameters whose values logs hide",
        shown: "token,access_token",
      },
    ],
    doc: "query parameters whose values every log line shows as `[redacted]`: add the `queryParam` of your `TokenAuthMiddleware` if you changed it ([logging](#logging))",
  },
  metrics: {
    for: "both",
    default: undefined,
    flags: [
      {
        flag: "metrics",
        takes: null,
        help: "record metrics (prom-client, needs @channels-ts/metrics) and serve /metrics, /healthz, /readyz",
        shown: "off",
      },
    ],
    doc: "a `Metrics` backend (`PrometheusMetrics`, `OpenTelemetryMetrics`) the server, consumers and layers record into while the server runs ([metrics](metrics.md))",
  },
  healthEndpoints: {
    for: "serve",
    default: false,
    flags: [
      {
        flag: "metrics-port",
        takes: n,
        help: "serve /metrics, /healthz, /readyz on this port instead (implies --metrics)",
        shown: "main port",
      },
    ],
    doc: "serve `/metrics`, `/healthz` and `/readyz`: `true` on the main port (ahead of the application), a port number on a port of their own ([metrics](metrics.md#endpoints))",
  },
  tls: {
    for: "serve",
    default: undefined,
    flags: [
      { flag: "tls-key", takes: value, help: "PEM private key file: serve HTTPS/WSS (with --tls-cert)" },
      { flag: "tls-cert", takes: value, help: "PEM certificate (chain) file (with --tls-key)" },
    ],
    doc: "`{ key, cert }` PEM contents (the flags take file paths): HTTPS and WSS ([HTTP/2 and TLS](#http2-and-tls))",
  },
  http2: {
    for: "serve",
    default: false,
    flags: [
      {
        flag: "http2",
        takes: null,
        help: "HTTP/2 and HTTP/1.1 over TLS on one port (needs --tls-key/--tls-cert)",
      },
      {
        flag: "h2c",
        takes: null,
        help: "cleartext HTTP/2 with prior knowledge, behind a proxy (WebSockets as HTTP/2 streams, RFC 8441)",
        shown: "off",
      },
    ],
    doc: '`true` (needs `tls`) serves HTTP/2 and HTTP/1.1 on one port; `"h2c"` cleartext HTTP/2 with prior knowledge; WebSockets also as HTTP/2 streams (RFC 8441) with either',
  },
  headersTimeoutMs: {
    for: "serve",
    default: 20_000,
    check: "duration",
    flags: [
      {
        flag: "headers-timeout-ms",
        takes: n,
        help: "answer 408 to a client whose request headers take longer",
      },
    ],
    doc: "an HTTP/1.1 client must send its whole request head within this, else it gets 408 and is disconnected (Node's `headersTimeout`; slow-header clients)",
  },
  requestTimeoutMs: {
    for: "serve",
    default: 300_000,
    check: "duration",
    flags: [
      { flag: "request-timeout-ms", takes: n, help: "answer 408 to a request (head and body) taking longer" },
    ],
    doc: "a client must send its whole request, body included, within this, else it gets 408 (HTTP/1.1: and is disconnected, Node's `requestTimeout`; HTTP/2: the stream is reset); at least `headersTimeoutMs`",
  },
  maxHeaderBytes: {
    for: "serve",
    default: 16_384,
    check: "bytes",
    flags: [{ flag: "max-header-bytes", takes: n, help: "answer 431 to request headers larger than this" }],
    doc: "request headers larger than this get 431 on HTTP/1.1 (Node's `maxHeaderSize`); on HTTP/2 it is the `SETTINGS_MAX_HEADER_LIST_SIZE` the server announces",
  },
  handleSignals: {
    for: "serve",
    default: false,
    flags: [],
    flagNote: "always on",
    doc: "close gracefully on SIGINT and SIGTERM",
  },
  routeHttp: {
    for: "attach",
    default: false,
    flags: [],
    doc: "see [attach()](#attach)",
  },
} as const satisfies Record<string, OptionRow>;

export type OptionName = keyof typeof SERVER_OPTIONS;

type Table = typeof SERVER_OPTIONS;

/** Every option with a default, at its default (`DEFAULTS` of `@channels-ts/core/server`). */
export type Defaults = {
  readonly [K in OptionName as Table[K]["default"] extends undefined ? never : K]: Table[K]["default"];
};

export const DEFAULTS = Object.freeze(
  Object.fromEntries(
    Object.entries(SERVER_OPTIONS as Record<string, OptionRow>)
      .filter(([, row]) => row.default !== undefined)
      .map(([name, row]) => [name, row.default]),
  ),
) as Defaults;

/** A default as `--help` shows it. */
function shownInHelp(row: OptionRow, flag: OptionFlag): string {
  if (flag.shown !== undefined) return flag.shown;
  if (row.default === undefined) return "none";
  if (row.default === "") return '""';
  if (typeof row.default === "boolean") return row.default ? "on" : "off";
  return String(row.default);
}

/** One line per flag for `--help`. */
export interface HelpFlag {
  flag: string;
  takes: "n" | "value" | null;
  /** The option it sets. */
  option: OptionName;
  help: string;
  shown: string;
}

/** The `channels serve` flags, in table order. */
export function serveFlags(): HelpFlag[] {
  const flags: HelpFlag[] = [];
  for (const [option, row] of Object.entries(SERVER_OPTIONS as Record<string, OptionRow>)) {
    for (const flag of row.flags) {
      flags.push({
        flag: flag.flag,
        takes: flag.takes,
        option: option as OptionName,
        help: flag.help,
        shown: shownInHelp(row, flag),
      });
    }
  }
  return flags;
}

/** The `channels worker` flags that are server options too. */
export function workerFlags(): HelpFlag[] {
  const flags: HelpFlag[] = [];
  for (const [option, row] of Object.entries(SERVER_OPTIONS as Record<string, OptionRow>)) {
    if (row.worker === undefined) continue;
    for (const flag of row.flags) {
      flags.push({
        flag: flag.flag,
        takes: flag.takes,
        option: option as OptionName,
        help: row.worker,
        shown: shownInHelp(row, flag),
      });
    }
  }
  return flags;
}

/** A default as the docs table shows it: `5_000`, `"127.0.0.1"`, `false`, none. */
function shownInDocs(name: string, row: OptionRow): string {
  if (row.shown !== undefined) return row.shown;
  const value = row.default;
  if (value === undefined) return "none";
  if (typeof value === "string") return `\`${JSON.stringify(value)}\``;
  if (typeof value === "number" && name !== "port")
    return `\`${value.toLocaleString("en-US").replaceAll(",", "_")}\``;
  return `\`${String(value)}\``;
}

/** The options table of docs/topics/server.md, as Markdown. */
export function optionsDocTable(): string {
  const lines = ["| option | flag | default | meaning |", "|---|---|---|---|"];
  for (const [name, row] of Object.entries(SERVER_OPTIONS as Record<string, OptionRow>)) {
    const flags =
      row.flags.length > 0 ? row.flags.map((f) => `\`--${f.flag}\``).join(", ") : (row.flagNote ?? "—");
    const only = row.for === "both" ? "" : `\`${row.for}()\` only: `;
    lines.push(`| \`${name}\` | ${flags} | ${shownInDocs(name, row)} | ${only}${row.doc} |`);
  }
  return lines.join("\n");
}
