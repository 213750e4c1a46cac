import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AsyncHttpConsumer } from "../../src/consumers/index";
import type { Application } from "../../src/protocol/types";
import { ProtocolTypeRouter, path, URLRouter } from "../../src/routing/index";
import { attach } from "../../src/server/index";
import { connectRejected, echoApp, RecordingLogger, start } from "./helpers";

class Hello extends AsyncHttpConsumer {
  override async handle() {
    await this.sendResponse(200, "hello", { headers: [["content-type", "text/plain"]] });
  }
}

/** The tutorial's shape: one HTTP route, one WebSocket route, nothing else. */
const application: Application = ProtocolTypeRouter({
  http: URLRouter([path("hello/", Hello.asAsgi())]),
  websocket: URLRouter([path("ws/chat/", echoApp())]),
});

describe("a path no route matches is the client's mistake: 404, and no error logged", () => {
  it("HTTP: 404 Not Found with a plain body and one access-log line", async () => {
    const server = await start(application, {}, { lifespan: true });
    const response = await fetch(`${server.url}/favicon.ico`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toBe("Not Found");
    await server.logger.waitFor("info", '"GET /favicon.ico HTTP/1.1" 404 9');
    expect(server.logger.lines.filter((l) => l.message.includes("/favicon.ico"))).toHaveLength(1);
    expect(server.logger.lines.filter((l) => l.level !== "info")).toEqual([]);
    expect((await fetch(`${server.url}/hello/`)).status).toBe(200);
  });

  it("WebSocket: the handshake is refused with a real 404 response and one access-log line", async () => {
    const server = await start(application, {}, { lifespan: true });
    const response = await connectRejected(`${server.wsUrl}/ws/nowhere/`);
    expect(response.status).toBe(404);
    expect(response.body).toBe("Not Found");
    await server.logger.waitFor("info", "WSREJECT /ws/nowhere/ 404");
    expect(server.logger.lines.filter((l) => l.message.includes("/ws/nowhere/"))).toHaveLength(1);
    expect(server.logger.lines.filter((l) => l.level !== "info")).toEqual([]);
  });

  it("a RouteNotFound raised after the response started is still an application error", async () => {
    const server = await start(async (_scope, receive, send) => {
      await receive();
      await send({ type: "http.response.start", status: 200 });
      await send({ type: "http.response.body", body: new Uint8Array(1), more_body: true });
      const { RouteNotFound } = await import("../../src/exceptions");
      throw new RouteNotFound("too late");
    });
    const response = await fetch(server.url);
    await expect(response.text()).rejects.toThrow();
    expect(server.logger.has("error", "Exception inside application")).toBe(true);
  });
});

describe("attach(): the same 404s on a shared port", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function plainServer(): Promise<{ server: Server; port: number }> {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }

  it("a WebSocket to an unrouted path gets 404; routeHttp with no other handler answers 404", async () => {
    const { server, port } = await plainServer();
    const logger = new RecordingLogger();
    const attached = attach(server, application, { routeHttp: true, logger });
    await attached.ready;
    const rejected = await connectRejected(`ws://127.0.0.1:${port}/ws/nowhere/`);
    expect(rejected.status).toBe(404);
    const response = await fetch(`http://127.0.0.1:${port}/favicon.ico`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("Not Found");
    expect(await (await fetch(`http://127.0.0.1:${port}/hello/`)).text()).toBe("hello");
    await logger.waitFor("info", "WSREJECT /ws/nowhere/ 404");
    await logger.waitFor("info", '"GET /favicon.ico HTTP/1.1" 404 9');
    expect(logger.lines.filter((l) => l.level !== "info")).toEqual([]);
    await attached.close();
  });
});
