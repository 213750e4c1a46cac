import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { RouteNotFound } from "../../src/exceptions";
import type { Application, HttpRequestEvent } from "../../src/protocol/types";
import { attach } from "../../src/server/index";
import { connect, echoApp, Recorder, RecordingLogger, withoutLifespan } from "./helpers";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** An Express app with a JSON route and a body-reading route, on a plain node:http server. */
async function expressServer(): Promise<{ server: Server; url: string; wsUrl: string }> {
  const app = express();
  app.get("/api/hello", (_req, res) => {
    res.json({ hello: "express" });
  });
  app.post("/api/echo", express.text(), (req, res) => {
    res.type("text/plain").send(`express got ${req.body as string}`);
  });
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` };
}

/** Answers /events/ itself; any other HTTP path raises RouteNotFound, as a URLRouter would. */
function eventsApp(): Application {
  const echo = echoApp();
  return async (scope, receive, send) => {
    if (scope.type === "websocket") return echo(scope, receive, send);
    if (scope.type === "http" && scope.path === "/events/") {
      const event = (await receive()) as HttpRequestEvent;
      await send({ type: "http.response.start", status: 200, headers: [["content-type", "text/plain"]] });
      await send({
        type: "http.response.body",
        body: new TextEncoder().encode(`app got ${event.body?.length ?? 0}`),
      });
      return;
    }
    throw new RouteNotFound(`No route for ${scope.type} ${"path" in scope ? scope.path : ""}`);
  };
}

describe("attach()", () => {
  it("shares an Express server's port: WebSockets go to the app, HTTP stays with Express", async () => {
    const { server, url, wsUrl } = await expressServer();
    const attached = attach(server, eventsApp(), { logger: new RecordingLogger() });
    await attached.ready;
    expect(await (await fetch(`${url}/api/hello`)).json()).toEqual({ hello: "express" });
    // Without routeHttp, Express keeps every HTTP request (its 404 for an unknown path).
    expect((await fetch(`${url}/events/`)).status).toBe(404);
    const client = await connect(`${wsUrl}/ws/`);
    client.ws.send("through express's port");
    expect(await client.text(0)).toBe("through express's port");
    await attached.close();
    expect((await client.closed).code).toBe(1001);
  });

  it("with routeHttp, the app answers its routes and hands the rest to Express, body intact", async () => {
    const { server, url, wsUrl } = await expressServer();
    const attached = attach(server, eventsApp(), { routeHttp: true, logger: new RecordingLogger() });
    await attached.ready;
    const events = await fetch(`${url}/events/`, { method: "POST", body: "12345" });
    expect(await events.text()).toBe("app got 5");
    const echoed = await fetch(`${url}/api/echo`, {
      method: "POST",
      body: "hello",
      headers: { "content-type": "text/plain" },
    });
    expect(await echoed.text()).toBe("express got hello");
    expect(await (await fetch(`${url}/api/hello`)).json()).toEqual({ hello: "express" });
    const client = await connect(wsUrl);
    client.ws.close();
    await client.closed;
    await attached.close();
    // Detached: Express has every request again.
    expect((await fetch(`${url}/events/`)).status).toBe(404);
  });

  it("after close(), upgrades are no longer handled and the HTTP server keeps running", async () => {
    const { server, url, wsUrl } = await expressServer();
    const attached = attach(server, withoutLifespan(echoApp(new Recorder())), { logger: null });
    await attached.close();
    await expect(connect(wsUrl)).rejects.toThrow();
    expect((await fetch(`${url}/api/hello`)).status).toBe(200);
  });

  it("close() does not wait for a lifespan startup that never completes", async () => {
    const { server } = await expressServer();
    const logger = new RecordingLogger();
    const attached = attach(
      server,
      async (_scope, receive) => {
        await receive();
        await receive(); // never answers lifespan.startup
      },
      { logger },
    );
    await attached.close();
    await expect(attached.ready).rejects.toThrow(/closed before lifespan startup completed/);
  });

  it("rejects what is not an HTTP server", () => {
    expect(() => attach({} as Server, echoApp())).toThrow(/node:http or node:https Server/);
  });
});
