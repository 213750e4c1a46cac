import { describe, expect, it } from "vitest";
import { RouteNotFound } from "../../src/exceptions";
import type { ChannelLayer } from "../../src/layers/base";
import { channelLayers } from "../../src/layers/registry";
import type { Application, HttpScope, LayerMessage, WebSocketScope } from "../../src/protocol/types";
import { LifespanStartupFailed, serve } from "../../src/server/index";
import { connect, deferred, echoApp, Recorder, RecordingLogger, start, within } from "./helpers";

/** A lifespan-aware app: sets state on startup, records the order of things, echoes WebSockets. */
function lifespanApp(order: string[], scopes: Array<HttpScope | WebSocketScope>): Application {
  const echo = echoApp();
  return async (scope, receive, send) => {
    if (scope.type === "lifespan") {
      for (;;) {
        const event = await receive();
        order.push(event.type);
        if (event.type === "lifespan.startup") {
          (scope.state as Record<string, unknown>).db = "connected";
          await send({ type: "lifespan.startup.complete" });
        } else if (event.type === "lifespan.shutdown") {
          await send({ type: "lifespan.shutdown.complete" });
          return;
        }
      }
    }
    if (scope.type === "http") {
      scopes.push(scope);
      await receive();
      await send({ type: "http.response.start", status: 200 });
      await send({ type: "http.response.body", body: new TextEncoder().encode(String(scope.state?.db)) });
      return;
    }
    if (scope.type === "websocket") scopes.push(scope);
    await echo(scope, receive, async (event) => {
      if (event.type === "websocket.accept") order.push("ws accepted");
      return send(event);
    });
    order.push("ws app ended");
  };
}

/** A layer that only records whether it was closed. */
function fakeLayer(): ChannelLayer & { closed: boolean } {
  const layer = {
    closed: false,
    extensions: [],
    send: async (_c: string, _m: LayerMessage) => {},
    receive: () => new Promise<LayerMessage>(() => {}),
    newChannel: async () => "x!y",
    groupAdd: async () => {},
    groupDiscard: async () => {},
    groupSend: async () => {},
    flush: async () => {},
    close: async () => {
      layer.closed = true;
    },
  };
  return layer;
}

describe("lifespan", () => {
  it("runs startup before serving and shutdown on close; request scopes get a copy of state", async () => {
    const order: string[] = [];
    const scopes: Array<HttpScope | WebSocketScope> = [];
    const server = await start(lifespanApp(order, scopes), {}, { lifespan: true });
    expect(order).toEqual(["lifespan.startup"]);
    expect(await (await fetch(server.url)).text()).toBe("connected");
    const client = await connect(server.wsUrl);
    expect(scopes[1]?.state).toEqual({ db: "connected" });
    // A copy: a request that changes its state does not change the next one's.
    (scopes[0]?.state as Record<string, unknown>).db = "changed";
    expect(await (await fetch(server.url)).text()).toBe("connected");
    client.ws.close();
    await client.closed;
    await server.close();
    expect(order.at(-1)).toBe("lifespan.shutdown");
  });

  it("serve() rejects with the app's message on lifespan.startup.failed", async () => {
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: "lifespan.startup.failed", message: "database unreachable" });
    };
    const error = await serve(app, { port: 0, logger: null }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifespanStartupFailed);
    expect(String(error)).toContain("database unreachable");
  });

  it("an app that raises on the lifespan scope is served without lifespan (warned unless RouteNotFound)", async () => {
    const rec = new Recorder();
    const echo = echoApp(rec);
    const plain = await start(
      async (scope, receive, send) => {
        if (scope.type === "lifespan") throw new Error("what is lifespan?");
        return echo(scope, receive, send);
      },
      {},
      { lifespan: true },
    );
    const client = await connect(plain.wsUrl);
    expect(rec.scopes[0]?.state).toBeUndefined();
    expect(plain.logger.has("warn", "without lifespan")).toBe(true);
    client.ws.close();

    const routed = await start(
      async (scope) => {
        throw new RouteNotFound(`No application configured for scope type '${scope.type}'`);
      },
      {},
      { lifespan: true },
    );
    expect(routed.logger.lines.filter((l) => l.level !== "info")).toEqual([]);
  });

  it("lifespan.shutdown.failed is logged and close() still resolves", async () => {
    const logger = new RecordingLogger();
    const server = await serve(
      async (scope, receive, send) => {
        if (scope.type !== "lifespan") return;
        await receive();
        await send({ type: "lifespan.startup.complete" });
        await receive();
        await send({ type: "lifespan.shutdown.failed", message: "flush failed" });
      },
      { port: 0, logger },
    );
    await server.close();
    expect(logger.has("error", "flush failed")).toBe(true);
  });
});

describe("graceful shutdown", () => {
  it("closes WebSockets with 1001, lets apps finish, then lifespan shutdown, then closes the layers", async () => {
    const order: string[] = [];
    const layer = fakeLayer();
    const server = await start(lifespanApp(order, []), { layers: { default: layer } }, { lifespan: true });
    expect(channelLayers.get("default")).toBe(layer);
    const clients = await Promise.all([connect(server.wsUrl), connect(server.wsUrl)]);
    await server.close();
    expect((await clients[0]?.closed)?.code).toBe(1001);
    expect((await clients[1]?.closed)?.code).toBe(1001);
    // Both WebSocket apps ended before lifespan shutdown was sent.
    expect(order.slice(-3)).toEqual(["ws app ended", "ws app ended", "lifespan.shutdown"]);
    expect(layer.closed).toBe(true);
    expect(channelLayers.get("default")).toBeNull();
    await expect(fetch(server.url)).rejects.toThrow();
  });

  it("cancels apps still running after applicationCloseTimeoutMs, and close() resolves", async () => {
    const cancelled = deferred<unknown>();
    const server = await start(
      async (_scope, receive, send) => {
        await receive();
        await send({ type: "websocket.accept" });
        await receive(); // the 1001 disconnect
        try {
          await receive(); // never comes
        } catch (error) {
          cancelled.resolve(error);
          throw error;
        }
      },
      { applicationCloseTimeoutMs: 100 },
    );
    const client = await connect(server.wsUrl);
    await within(server.close());
    expect(String(await within(cancelled.promise))).toContain("CancelledError");
    expect((await client.closed).code).toBe(1001);
  });

  it("ends streaming HTTP responses (server-sent events) so their apps see http.disconnect", async () => {
    const rec = new Recorder();
    const streaming = deferred();
    const server = await start(async (_scope, receive, send) => {
      await receive();
      await send({
        type: "http.response.start",
        status: 200,
        headers: [["content-type", "text/event-stream"]],
      });
      await send({
        type: "http.response.body",
        body: new TextEncoder().encode("data: hi\n\n"),
        more_body: true,
      });
      streaming.resolve();
      rec.record(await receive());
    });
    const response = await fetch(server.url);
    await within(streaming.promise);
    const text = response.text();
    await within(server.close());
    expect(await rec.event("http.disconnect")).toEqual({ type: "http.disconnect" });
    expect(await text).toBe("data: hi\n\n");
  });

  it("handleSignals: SIGTERM closes the server gracefully, and close() removes the handlers", async () => {
    const before = process.listeners("SIGTERM");
    const server = await start(echoApp(), { handleSignals: true });
    const added = process.listeners("SIGTERM").filter((l) => !before.includes(l));
    expect(added).toHaveLength(1);
    const client = await connect(server.wsUrl);
    (added[0] as (signal: NodeJS.Signals) => void)("SIGTERM");
    expect((await client.closed).code).toBe(1001);
    await server.close();
    expect(process.listeners("SIGTERM")).toEqual(before);
    expect(server.logger.has("info", "Received SIGTERM")).toBe(true);
  });

  it("serve() refuses a bad host or port before starting anything", async () => {
    await expect(serve(echoApp(), { port: 70_000 })).rejects.toThrow(
      /port must be an integer from 0 to 65535/,
    );
    await expect(serve(echoApp(), { host: "" })).rejects.toThrow(/host must be a host name/);
    await expect(serve(null as never, { port: 0 })).rejects.toThrow(/must be an async function/);
  });

  it("close() is idempotent", async () => {
    const server = await start(echoApp());
    await Promise.all([server.close(), server.close()]);
    await server.close();
  });
});
