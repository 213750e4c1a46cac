import { parseArgs } from "node:util";
import { channelLayers, DEFAULT_CHANNEL_LAYER } from "../layers/registry";
import { loadApplication } from "./load-application";
import { resolveLogger } from "./logger";
import { DEFAULTS, type ServeOptions } from "./options";
import { serve } from "./serve";
import { readTlsFiles } from "./tls-options";
import { Worker } from "./worker";

interface OptionSpec {
  flag: string;
  kind: "string" | "number" | "boolean";
  key: keyof ServeOptions | "layer" | "noAccessLog" | "tlsKey" | "tlsCert" | "h2c";
  default: string;
  help: string;
}

const SERVE_OPTIONS: OptionSpec[] = [
  { flag: "host", kind: "string", key: "host", default: DEFAULTS.host, help: "interface to listen on" },
  {
    flag: "port",
    kind: "number",
    key: "port",
    default: String(DEFAULTS.port),
    help: "TCP port (0 picks a free one)",
  },
  {
    flag: "root-path",
    kind: "string",
    key: "rootPath",
    default: '""',
    help: "ASGI root_path, the mount point behind a proxy",
  },
  {
    flag: "proxy-headers",
    kind: "boolean",
    key: "proxyHeaders",
    default: "off",
    help: "trust X-Forwarded-For/-Port/-Proto",
  },
  {
    flag: "handshake-timeout-ms",
    kind: "number",
    key: "handshakeTimeoutMs",
    default: "5000",
    help: "accept or close a WebSocket within this, else 403",
  },
  {
    flag: "ping-interval-ms",
    kind: "number",
    key: "pingIntervalMs",
    default: "20000",
    help: "ping WebSockets idle this long (0: never)",
  },
  {
    flag: "ping-timeout-ms",
    kind: "number",
    key: "pingTimeoutMs",
    default: "30000",
    help: "drop a WebSocket whose pong is this late",
  },
  {
    flag: "max-message-bytes",
    kind: "number",
    key: "maxMessageBytes",
    default: "1048576",
    help: "larger incoming messages close with 1009",
  },
  {
    flag: "max-buffered-bytes",
    kind: "number",
    key: "maxBufferedBytes",
    default: "4194304",
    help: "outbound bytes queued per client before closing it with 1013",
  },
  {
    flag: "application-close-timeout-ms",
    kind: "number",
    key: "applicationCloseTimeoutMs",
    default: "10000",
    help: "cancel an instance still running this long after disconnect",
  },
  {
    flag: "http-timeout-ms",
    kind: "number",
    key: "httpTimeoutMs",
    default: "none",
    help: "answer 503 when no response started within this",
  },
  {
    flag: "per-message-deflate",
    kind: "boolean",
    key: "perMessageDeflate",
    default: "off",
    help: "enable WebSocket compression",
  },
  {
    flag: "tls-key",
    kind: "string",
    key: "tlsKey",
    default: "none",
    help: "PEM private key file: serve HTTPS/WSS (with --tls-cert)",
  },
  {
    flag: "tls-cert",
    kind: "string",
    key: "tlsCert",
    default: "none",
    help: "PEM certificate (chain) file (with --tls-key)",
  },
  {
    flag: "http2",
    kind: "boolean",
    key: "http2",
    default: "off",
    help: "HTTP/2 and HTTP/1.1 over TLS on one port (needs --tls-key/--tls-cert)",
  },
  {
    flag: "h2c",
    kind: "boolean",
    key: "h2c",
    default: "off",
    help: "cleartext HTTP/2 with prior knowledge, behind a proxy (WebSockets as HTTP/2 streams, RFC 8441)",
  },
  {
    flag: "no-access-log",
    kind: "boolean",
    key: "noAccessLog",
    default: "off",
    help: "do not log one line per request/connection",
  },
];

const WORKER_OPTIONS: OptionSpec[] = [
  {
    flag: "layer",
    kind: "string",
    key: "layer",
    default: DEFAULT_CHANNEL_LAYER,
    help: "alias of the channel layer to listen on",
  },
  {
    flag: "application-close-timeout-ms",
    kind: "number",
    key: "applicationCloseTimeoutMs",
    default: "10000",
    help: "on shutdown, cancel instances still running after this",
  },
];

function optionLines(specs: OptionSpec[]): string {
  return specs
    .map((s) => {
      const name = `--${s.flag}${s.kind === "boolean" ? "" : ` <${s.kind === "number" ? "n" : "value"}>`}`;
      return `  ${name.padEnd(38)}${s.help} (default: ${s.default})`;
    })
    .join("\n");
}

export const USAGE = `Usage:
  channels serve <module>[:export] [options]
  channels worker <module>[:export] <channel> [channel ...] [options]

The module is an ES module or CommonJS file; its export (default: "application", else the
default export) is the application. It registers its channel layers in channelLayers on import.
A TypeScript module (.ts) runs through tsx when the project has it installed.

serve options:
${optionLines(SERVE_OPTIONS)}

worker options:
${optionLines(WORKER_OPTIONS)}

  -h, --help                            show this help
`;

/** Thrown for bad command lines; `main` prints it with the usage. */
class UsageError extends Error {}

function parse(specs: OptionSpec[], args: string[]) {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const spec of specs) options[spec.flag] = { type: spec.kind === "boolean" ? "boolean" : "string" };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values: Record<string, string | number | boolean> = {};
  for (const spec of specs) {
    const raw = parsed.values[spec.flag];
    if (raw === undefined) continue;
    if (spec.kind === "number") {
      const n = Number(raw);
      if (raw === "" || !Number.isFinite(n))
        throw new UsageError(`--${spec.flag} takes a number; got "${String(raw)}".`);
      values[spec.key] = n;
    } else values[spec.key] = raw as string | boolean;
  }
  return { values, positionals: parsed.positionals, help: parsed.values.help === true };
}

/** Runs the CLI; resolves with the exit code once the server or worker has shut down. */
export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) throw new UsageError("missing command: serve or worker.");
    if (command === "-h" || command === "--help" || command === "help") {
      out(USAGE);
      return 0;
    }
    if (command === "serve") return await runServe(rest, out);
    if (command === "worker") return await runWorker(rest, out);
    throw new UsageError(`Unknown command "${command}": use serve or worker.`);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`channels: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    console.error("channels:", error);
    return 1;
  }
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      // A second signal while shutting down forces the exit.
      const force = () => process.exit(1);
      process.once("SIGINT", force);
      process.once("SIGTERM", force);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

async function runServe(args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals, help } = parse(SERVE_OPTIONS, args);
  if (help) {
    out(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("serve takes exactly one <module>[:export].");
  const { noAccessLog, tlsKey, tlsCert, h2c, http2, ...options } = values;
  if (h2c === true && http2 === true)
    throw new UsageError("Use --http2 (over TLS) or --h2c (cleartext), not both.");
  // Certificate problems are reported before the application is imported.
  const tls = readTlsFiles(tlsKey as string | undefined, tlsCert as string | undefined);
  const app = await loadApplication(positionals[0] as string);
  const logger = resolveLogger(undefined);
  if (noAccessLog === true) logger.info = () => {};
  const signalled = waitForSignal();
  const server = await serve(app, {
    ...(options as ServeOptions),
    tls,
    http2: h2c === true ? "h2c" : http2 === true,
    logger,
  });
  out(`channels: serving ${positionals[0]} on ${server.url}`);
  const signal = await signalled;
  out(`channels: ${signal} received, shutting down`);
  await server.close();
  return 0;
}

async function runWorker(args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals, help } = parse(WORKER_OPTIONS, args);
  if (help) {
    out(USAGE);
    return 0;
  }
  if (positionals.length < 2)
    throw new UsageError("worker takes <module>[:export] and at least one channel name.");
  const [target, ...channels] = positionals as [string, ...string[]];
  const app = await loadApplication(target);
  const alias = (values.layer as string | undefined) ?? DEFAULT_CHANNEL_LAYER;
  const layer = channelLayers.get(alias);
  if (layer === null) {
    throw new Error(
      `No channel layer registered as "${alias}": the module must call channelLayers.set("${alias}", layer) when imported.`,
    );
  }
  if (layer.processLocal === true) {
    throw new Error(
      `The channel layer "${alias}" (${layer.constructor.name}) lives inside one process: a worker in its own ` +
        "process would wait forever for messages no other process can send. Use a layer that crosses " +
        "processes (RedisChannelLayer from @channels-ts/layer-redis, RabbitMQChannelLayer from " +
        "@channels-ts/layer-rabbitmq), or run the Worker inside the server's process: new Worker(app, channels, layer).run().",
    );
  }
  const worker = new Worker(app, channels, layer, {
    applicationCloseTimeoutMs: values.applicationCloseTimeoutMs as number | undefined,
  });
  out(`channels: worker listening on ${channels.join(", ")}`);
  const stopped = worker.run().then(
    () => 0,
    (error: unknown) => {
      console.error("channels: worker stopped:", error);
      return 1;
    },
  );
  const result = await Promise.race([waitForSignal().then(() => -1), stopped]);
  await worker.close();
  await channelLayers.closeAll();
  return result === -1 ? 0 : result;
}
