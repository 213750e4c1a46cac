// Starts the chat: `pnpm chat` (or HOST=… PORT=… REDIS_URL=redis://… TLS_KEY=… TLS_CERT=… pnpm chat).
// METRICS=1 adds Prometheus metrics and /metrics, /healthz, /readyz on METRICS_PORT (default 9100).
import { readFileSync } from "node:fs";
import type { ChannelLayer } from "@channels-ts/core";
import { serve } from "@channels-ts/core/server";
import { InMemoryChannelLayer } from "@channels-ts/layer-memory";
import { RedisChannelLayer } from "@channels-ts/layer-redis";
import { PrometheusMetrics } from "@channels-ts/metrics/prometheus";
import { collectDefaultMetrics, Registry } from "prom-client";
import { chatApplication } from "./asgi";

const host = process.env.HOST || "127.0.0.1";
const port = Number(process.env.PORT ?? 8000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number (0-65535); got "${process.env.PORT}".`);
  process.exit(2);
}
const redisUrl = process.env.REDIS_URL;
// Pages are served as localhost or 127.0.0.1 in development; ALLOWED_HOSTS adds more (comma-separated).
const allowedHosts = [
  "localhost",
  "127.0.0.1",
  "[::1]",
  host,
  ...(process.env.ALLOWED_HOSTS ?? "").split(",").map((h) => h.trim()),
].filter(Boolean);

// TLS_KEY and TLS_CERT (PEM files): HTTPS with HTTP/2, whose WebSockets may ride the page's own
// HTTP/2 connection (RFC 8441; Chromium does).
const tlsKey = process.env.TLS_KEY;
const tlsCert = process.env.TLS_CERT;
if ((tlsKey === undefined) !== (tlsCert === undefined)) {
  console.error("Set both TLS_KEY and TLS_CERT (paths to PEM files), or neither.");
  process.exit(2);
}
function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    console.error(`${variable}=${path} cannot be read: ${(error as Error).message}`);
    process.exit(2);
  }
}
const tls =
  tlsKey !== undefined && tlsCert !== undefined
    ? { key: readPem("TLS_KEY", tlsKey), cert: readPem("TLS_CERT", tlsCert) }
    : undefined;

const metricsPort = Number(process.env.METRICS_PORT ?? 9100);
if (process.env.METRICS && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)) {
  console.error(`METRICS_PORT must be a port number (0-65535); got "${process.env.METRICS_PORT}".`);
  process.exit(2);
}
function observability() {
  if (!process.env.METRICS) return {};
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return { metrics: new PrometheusMetrics({ registry }), healthEndpoints: metricsPort };
}

const layer: ChannelLayer = redisUrl
  ? new RedisChannelLayer({ hosts: [redisUrl] })
  : new InMemoryChannelLayer();
const server = await serve(chatApplication(allowedHosts), {
  host,
  port,
  layers: { default: layer },
  logger: process.env.CHAT_QUIET ? null : undefined,
  ...(tls ? { tls, http2: true } : {}),
  ...observability(),
});

const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host;
console.log(
  `channels-ts chat on the ${redisUrl ? "Redis" : "in-memory"} layer: open ${tls ? "https" : "http"}://${shown}:${server.port}/chat/`,
);
if (server.healthPort !== null)
  console.log(`metrics: http://${shown}:${server.healthPort}/metrics (also /healthz and /readyz)`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
