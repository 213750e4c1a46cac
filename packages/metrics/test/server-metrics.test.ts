// A real server, known traffic, then a scrape of /metrics with exact counter values.
import { AsyncWebsocketConsumer, ProtocolTypeRouter, path, URLRouter } from "@channels-ts/core";
import { InMemoryChannelLayer } from "@channels-ts/core/layers";
import { type RunningServer, serve } from "@channels-ts/core/server";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { PrometheusMetrics } from "../src/prometheus";

/** Close codes the echo consumer saw, and a way to await the next ones. */
const seen: number[] = [];
let onSeen: (() => void) | null = null;
async function disconnects(count: number): Promise<void> {
  while (seen.length < count) await new Promise<void>((resolve) => (onSeen = resolve));
}

class Echo extends AsyncWebsocketConsumer {
  override async receive(text?: string) {
    await this.send(text!);
  }
  override async disconnect(code: number) {
    seen.push(code);
    onSeen?.();
  }
}

class Refuse extends AsyncWebsocketConsumer {
  override async connect() {
    await this.close();
  }
}

const app = ProtocolTypeRouter({
  websocket: URLRouter([path("ws/echo/", Echo.asAsgi()), path("ws/refuse/", Refuse.asAsgi())]),
});

function open(url: string): Promise<{ ws: WebSocket; next: () => Promise<string>; closed: Promise<number> }> {
  const ws = new WebSocket(url);
  const inbox: string[] = [];
  const waiting: Array<(text: string) => void> = [];
  ws.on("message", (data) => {
    const text = String(data);
    const waiter = waiting.shift();
    if (waiter) waiter(text);
    else inbox.push(text);
  });
  ws.on("error", () => {});
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  const next = () =>
    inbox.length > 0
      ? Promise.resolve(inbox.shift()!)
      : new Promise<string>((resolve) => waiting.push(resolve));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, next, closed }));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
  });
}

function refused(url: string): Promise<number> {
  const ws = new WebSocket(url);
  ws.on("error", () => {});
  return new Promise((resolve, reject) => {
    ws.once("open", () => reject(new Error("handshake unexpectedly succeeded")));
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
  });
}

/** The value of one series in Prometheus text, `undefined` when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  seen.length = 0;
});

describe("a server with metrics", () => {
  it("counts connections, frames, bytes, a denial, a drop at capacity and a 1009 exactly", async () => {
    const layer = new InMemoryChannelLayer({ capacity: 1 });
    const registry = new Registry();
    server = await serve(app, {
      port: 0,
      layers: { default: layer },
      metrics: new PrometheusMetrics({ registry }),
      healthEndpoints: true,
      maxMessageBytes: 1024,
      logger: null,
    });
    const ws = server.url.replace("http", "ws");

    const a = await open(`${ws}/ws/echo/`);
    a.ws.send("hello");
    expect(await a.next()).toBe("hello");
    a.ws.send("hi");
    expect(await a.next()).toBe("hi");
    a.ws.close(1000);
    await disconnects(1);

    expect(await refused(`${ws}/ws/refuse/`)).toBe(403);

    const b = await open(`${ws}/ws/echo/`);
    b.ws.send("x".repeat(2000));
    expect(await b.closed).toBe(1009);
    await disconnects(2);

    await layer.groupAdd("stuck", "specific.inmemory!nobody");
    await layer.groupSend("stuck", { type: "a" });
    await layer.groupSend("stuck", { type: "b" }); // the channel holds 1: dropped

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const ws11 = 'protocol="websocket",http_version="1.1"';
    expect({
      accepted: sample(text, `channels_connections_accepted_total{${ws11}}`),
      open: sample(text, `channels_connections{${ws11}}`),
      pending: sample(text, 'channels_handshakes_pending{http_version="1.1"}'),
      denied: sample(text, 'channels_connections_denied_total{http_version="1.1",status="403"}'),
      closed1000: sample(text, 'channels_connections_closed_total{http_version="1.1",code="1000"}'),
      closed1009: sample(text, 'channels_connections_closed_total{http_version="1.1",code="1009"}'),
      framesIn: sample(text, "channels_frames_received_total"),
      framesOut: sample(text, "channels_frames_sent_total"),
      bytesIn: sample(text, "channels_received_bytes_total"),
      bytesOut: sample(text, "channels_sent_bytes_total"),
      dropped: sample(text, 'channels_messages_dropped_total{reason="channel_full"}'),
      handled: sample(
        text,
        'channels_handler_duration_seconds_count{consumer="Echo",handler="websocket_receive"}',
      ),
      queued: sample(text, 'channels_layer_queued_messages{layer="InMemoryChannelLayer"}'),
    }).toEqual({
      accepted: 2,
      open: 0,
      pending: 0,
      denied: 1,
      closed1000: 1,
      closed1009: 1,
      framesIn: 2,
      framesOut: 2,
      bytesIn: 7,
      bytesOut: 7,
      dropped: 1,
      handled: 2,
      queued: 1,
    });

    expect(await (await fetch(`${server.url}/healthz`)).text()).toBe("ok\n");
    const ready = await fetch(`${server.url}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, "ready\n"]);
  });

  it("serves the endpoints on a port of their own, leaving the main port to the application", async () => {
    server = await serve(app, {
      port: 0,
      metrics: new PrometheusMetrics({ registry: new Registry() }),
      healthEndpoints: 0,
      logger: null,
    });
    expect(server.healthPort).not.toBe(server.port);
    const own = await fetch(`http://127.0.0.1:${server.healthPort}/metrics`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain("# TYPE channels_frames_received_total counter");
    expect((await fetch(`http://127.0.0.1:${server.healthPort}/elsewhere`)).status).toBe(404);
    // The application has no HTTP route: its answer, not the metrics.
    expect((await fetch(`${server.url}/metrics`)).status).not.toBe(200);
  });

  it("serves no endpoint without healthEndpoints", async () => {
    server = await serve(app, { port: 0, logger: null });
    expect(server.healthPort).toBeNull();
    expect((await fetch(`${server.url}/healthz`)).status).not.toBe(200);
  });
});
