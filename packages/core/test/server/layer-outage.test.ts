// A channel layer whose backend is down: requests that need it get 503 with Retry-After at once
// (not a 500 after the layer's timeout), the log gets one warning per outage instead of a stack
// per request, and everything works again once the backend is back. The layer here is an
// in-process fake; packages/layer-redis/test/server-outage.test.ts does the same with a real Redis.
import { afterEach, describe, expect, it } from "vitest";
import { AsyncHttpConsumer } from "../../src/consumers/index";
import { ChannelLayerUnavailable } from "../../src/exceptions";
import { InMemoryChannelLayer } from "../../src/layers/in-memory-layer";
import { ProtocolTypeRouter, path, URLRouter } from "../../src/routing/index";
import type { ServeOptions } from "../../src/server/index";
import { ChatConsumer } from "../fixtures/chat-consumer";
import { openH2WebSocket } from "./h2-websocket-client";
import { connect, connectRejected, rawRequest, start } from "./helpers";
import { openSession, request } from "./tls-helpers";

/** An in-memory layer whose "backend" can be taken down: groupAdd then fails as Redis's would. */
class FlakyLayer extends InMemoryChannelLayer {
  down = true;
  override async groupAdd(group: string, channel: string): Promise<void> {
    if (this.down) throw new ChannelLayerUnavailable("fake backend did not answer (down or restarting?)");
    return super.groupAdd(group, channel);
  }
  override async groupSend(group: string, message: Parameters<InMemoryChannelLayer["groupSend"]>[1]) {
    if (this.down) throw new ChannelLayerUnavailable("fake backend did not answer (down or restarting?)");
    return super.groupSend(group, message);
  }
}

/** An HTTP view that joins a group first, as a server-sent-events endpoint would. */
class Joins extends AsyncHttpConsumer {
  override async handle() {
    await this.channelLayer!.groupAdd("news", this.channelName);
    await this.sendResponse(200, "joined");
  }
}

const application = ProtocolTypeRouter({
  http: URLRouter([path("join/", Joins.asAsgi())]),
  websocket: URLRouter([path("ws/chat/", ChatConsumer.asAsgi())]),
});

const sessions: Array<{ close(): void }> = [];
afterEach(() => {
  for (const session of sessions.splice(0)) session.close();
});

async function serveWith(layer: FlakyLayer, options: ServeOptions = {}) {
  return start(application, { layers: { default: layer }, ...options }, { lifespan: true });
}

describe("a channel layer that is down", () => {
  it("HTTP/1.1: handshakes and requests get 503 + Retry-After, one warning, and recover by themselves", async () => {
    const layer = new FlakyLayer();
    const server = await serveWith(layer);
    for (let i = 0; i < 3; i++) {
      const refused = await connectRejected(`${server.wsUrl}/ws/chat/`);
      expect(refused.status).toBe(503);
      expect(refused.headers["retry-after"]).toBe("5");
      const response = await rawRequest(`${server.url}/join/`);
      expect(response.status).toBe(503);
      expect(response.headers["retry-after"]).toBe("5");
    }
    const problems = server.logger.lines.filter((l) => l.level !== "info");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ level: "warn" });
    expect(problems[0]?.message).toMatch(/Channel layer unavailable .*503 .*fake backend did not answer/);
    expect(problems[0]?.error).toBeUndefined();
    expect(server.logger.has("info", "WSREJECT /ws/chat/ 503 (channel layer unavailable)")).toBe(true);

    layer.down = false;
    const client = await connect(`${server.wsUrl}/ws/chat/`);
    client.ws.send(JSON.stringify({ message: "back" }));
    expect(JSON.parse(await client.text(0))).toEqual({ message: "back" });
    expect((await rawRequest(`${server.url}/join/`)).body.toString()).toBe("joined");
  });

  it("HTTP/2: RFC 8441 handshakes and requests get 503 + Retry-After too", async () => {
    const layer = new FlakyLayer();
    const server = await serveWith(layer, { http2: "h2c" });
    const session = await openSession(server.url);
    sessions.push(session);
    const ws = await openH2WebSocket(session, "/ws/chat/", { scheme: "http" });
    expect(ws.status).toBe(503);
    expect(ws.headers["retry-after"]).toBe("5");
    const response = await request(session, "/join/");
    expect(response.status).toBe(503);
    expect(response.headers["retry-after"]).toBe("5");
    expect(server.logger.lines.filter((l) => l.level !== "info")).toHaveLength(1);
    layer.down = false;
    expect((await openH2WebSocket(session, "/ws/chat/", { scheme: "http" })).status).toBe(200);
  });

  it("an open WebSocket whose consumer hits the outage is closed with 1013 (try again later)", async () => {
    const layer = new FlakyLayer();
    layer.down = false;
    const server = await serveWith(layer);
    const client = await connect(`${server.wsUrl}/ws/chat/`);
    layer.down = true;
    client.ws.send(JSON.stringify({ message: "lost?" }));
    expect(await client.closed).toEqual({ code: 1013, reason: "Try again later" });
    const problems = server.logger.lines.filter((l) => l.level !== "info");
    expect(problems.map((l) => l.level)).toEqual(["warn"]);
  });

  it("any other error is still the application's: 500 and an error line with the stack", async () => {
    const server = await start(
      ProtocolTypeRouter({
        websocket: async () => {
          throw new Error("a bug");
        },
      }),
    );
    expect((await connectRejected(`${server.wsUrl}/ws/`)).status).toBe(500);
    await server.logger.waitFor("error", "Exception inside application");
  });
});
