import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { channelLayers, DEFAULT_CHANNEL_LAYER } from "../layers/registry";
import type { Metrics } from "../metrics/metrics";
import { loadApplication } from "./load-application";
import { resolveLogger } from "./logger";
import type { ServeOptions } from "./options";
import { type HelpFlag, serveFlags, workerFlags } from "./options-table";
import { serve } from "./serve";
import { readTlsFiles } from "./tls-options";
import { Worker } from "./worker";

interface OptionSpec {
  flag: string;
  kind: "string" | "number" | "boolean";
  /** Where the value goes: the camel-cased flag (`root-path` → `rootPath`, `tls-key` → `tlsKey`). */
  key: string;
  default: string;
  help: string;
}

function camelCase(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function spec(flag: HelpFlag): OptionSpec {
  const kind = flag.takes === "n" ? "number" : flag.takes === "value" ? "string" : "boolean";
  return { flag: flag.flag, kind, key: camelCase(flag.flag), default: flag.shown, help: flag.help };
}

// The flags come from the options table, as do their defaults and the docs' table.
const SERVE_OPTIONS: OptionSpec[] = serveFlags().map(spec);

const WORKER_OPTIONS: OptionSpec[] = [
  {
    flag: "layer",
    kind: "string",
    key: "layer",
    default: DEFAULT_CHANNEL_LAYER,
    help: "alias of the channel layer to listen on",
  },
  ...workerFlags().map(spec),
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
  const { noAccessLog, tlsKey, tlsCert, h2c, http2, metrics, metricsPort, ...options } = values;
  if (h2c === true && http2 === true)
    throw new UsageError("Use --http2 (over TLS) or --h2c (cleartext), not both.");
  // Certificate problems are reported before the application is imported.
  const tls = readTlsFiles(tlsKey as string | undefined, tlsCert as string | undefined);
  const app = await loadApplication(positionals[0] as string);
  const observed =
    metrics === true || metricsPort !== undefined
      ? {
          metrics: await loadPrometheusMetrics(),
          healthEndpoints: (metricsPort as number | undefined) ?? true,
        }
      : {};
  const logger = resolveLogger(undefined);
  if (noAccessLog === true) logger.info = () => {};
  const signalled = waitForSignal();
  const server = await serve(app, {
    ...(options as ServeOptions),
    tls,
    http2: h2c === true ? "h2c" : http2 === true,
    logger,
    ...observed,
  });
  out(`channels: serving ${positionals[0]} on ${server.url}`);
  if (server.healthPort !== null)
    out(`channels: /metrics, /healthz and /readyz on port ${server.healthPort}`);
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

/**
 * `--metrics`: a `PrometheusMetrics` on prom-client's global registry, from the application's own
 * `@channels-ts/metrics` (resolved from the working directory, as the application's modules are).
 */
async function loadPrometheusMetrics(): Promise<Metrics> {
  const require = createRequire(join(process.cwd(), "package.json"));
  let resolved: string;
  try {
    resolved = require.resolve("@channels-ts/metrics/prometheus");
  } catch {
    throw new UsageError(
      "--metrics needs the Prometheus adapter: install it beside the application (npm install @channels-ts/metrics prom-client).",
    );
  }
  const module = (await import(pathToFileURL(resolved).href)) as {
    PrometheusMetrics: new () => Metrics;
  };
  return new module.PrometheusMetrics();
}
