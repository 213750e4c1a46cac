// Security: what a client sends must not forge log lines (an encoded line break in a path) nor
// leave secrets in them (a `?token=` the TokenAuthMiddleware reads), over HTTP/1.1 and HTTP/2.
import { afterEach, describe, expect, it } from "vitest";
import { TokenAuthMiddleware } from "../../src/auth/token-auth-middleware";
import { AsyncWebsocketConsumer } from "../../src/consumers/index";
import type { Application } from "../../src/protocol/types";
import { ProtocolTypeRouter } from "../../src/routing/index";
import type { ServeOptions } from "../../src/server/index";
import { openH2WebSocket } from "../server/h2-websocket-client";
import { connect, echoApp, type RecordingLogger, rawRequest, start } from "../server/helpers";
import { openSession, request } from "../server/tls-helpers";

/** A path whose decoded form is a line break followed by a whole fake access line. */
const FORGED = `/ws/x%0a127.0.0.1:1%20-%20-%20%22GET%20/admin%20HTTP/1.1%22%20200%200`;
const SECRET = "s3cret-token-value";

/** Every line the server logged, each checked to be one line and free of the secret. */
function expectCleanLines(logger: RecordingLogger): string[] {
  const messages = logger.lines.map((line) => line.message);
  for (const message of messages) {
    expect(message).not.toMatch(/[\r\n\u2028\u2029]/);
    expect(message).not.toContain(SECRET);
  }
  return messages;
}

/** Echoes WebSockets; HTTP answers 200, or raises on `/boom`. */
const echoOrRaise: Application = ProtocolTypeRouter({
  websocket: echoApp(),
  http: async (scope, receive, send) => {
    await receive();
    if (scope.type === "http" && scope.path.startsWith("/boom")) throw new Error("boom");
    await send({ type: "http.response.start", status: 200 });
    await send({ type: "http.response.body", body: new TextEncoder().encode("ok") });
  },
});

/** Raises on connect: the error line names the path. */
const raising: Application = ProtocolTypeRouter({
  websocket: async () => {
    throw new Error("consumer failed");
  },
});

/** Accepts, and tells the client the query string it saw. */
class QueryEcho extends AsyncWebsocketConsumer {
  override async connect() {
    await this.accept();
    await this.send(this.scope.query_string);
  }
}

const tokenApp = (queryParam?: string) =>
  ProtocolTypeRouter({
    websocket: TokenAuthMiddleware(QueryEcho.asAsgi(), {
      verify: (token) => (token === SECRET ? { id: "1" } : null),
      ...(queryParam === undefined ? {} : { queryParam }),
    }),
    http: async (_scope, receive, send) => {
      await receive();
      await send({ type: "http.response.start", status: 204 });
      await send({ type: "http.response.body" });
    },
  });

const sessions: Array<{ close(): void }> = [];
afterEach(() => {
  for (const session of sessions.splice(0)) session.close();
});

async function h2c(app: Application, options: ServeOptions = {}) {
  const server = await start(app, { http2: "h2c", ...options });
  const session = await openSession(server.url);
  sessions.push(session);
  return { server, session };
}

describe("forged log lines", () => {
  it("HTTP/1.1: a WebSocket path with an encoded line break is logged as sent, on one line", async () => {
    const server = await start(echoOrRaise);
    const client = await connect(`${server.wsUrl}${FORGED}`);
    client.ws.close(1000);
    await client.closed;
    await server.logger.waitFor("info", "WSDISCONNECT");
    const lines = expectCleanLines(server.logger);
    expect(lines.some((line) => line.endsWith(` WSCONNECT ${FORGED}`))).toBe(true);
    expect(lines.some((line) => line.endsWith(` WSDISCONNECT ${FORGED} 1000`))).toBe(true);
  });

  it("HTTP/1.1: the error line of a failing WebSocket consumer shows the path escaped", async () => {
    const server = await start(raising);
    await connect(`${server.wsUrl}${FORGED}`).catch(() => {});
    await server.logger.waitFor("error", "Exception inside application");
    await server.logger.waitFor("info", "WSREJECT");
    expect(expectCleanLines(server.logger).join("\n")).toContain(`(WebSocket ${FORGED})`);
  });

  it("HTTP/2: WebSocket and request lines with encoded line breaks stay single lines", async () => {
    const { server, session } = await h2c(echoOrRaise);
    const ws = await openH2WebSocket(session, FORGED, { scheme: "http" });
    expect(ws.status).toBe(200);
    ws.close(1000);
    await ws.closed;
    await request(session, `/boom${FORGED}`);
    await server.logger.waitFor("info", "WSDISCONNECT");
    await server.logger.waitFor("error", "Exception inside application");
    const lines = expectCleanLines(server.logger).join("\n");
    expect(lines).toContain(`WSCONNECT ${FORGED}`);
    expect(lines).toContain(`(GET /boom${FORGED})`);
  });
});

describe("tokens in logs", () => {
  it("HTTP/1.1: the access line redacts ?token= and the consumer's scope has none", async () => {
    const server = await start(tokenApp());
    const response = await rawRequest(`${server.url}/api/?room=1&token=${SECRET}`);
    expect(response.status).toBe(204);
    const client = await connect(`${server.wsUrl}/ws/?room=1&token=${SECRET}`);
    expect(await client.text(0)).toBe("room=1");
    await server.logger.waitFor("info", '"GET /api/');
    const lines = expectCleanLines(server.logger).join("\n");
    expect(lines).toContain('"GET /api/?room=1&token=[redacted] HTTP/1.1" 204 0');
  });

  it("HTTP/2: the access line redacts the token, and the consumer's scope has none", async () => {
    const { server, session } = await h2c(tokenApp());
    expect((await request(session, `/api/?token=${SECRET}&room=2`)).status).toBe(204);
    const ws = await openH2WebSocket(session, `/ws/?token=${SECRET}&room=2`, { scheme: "http" });
    expect(await ws.received(1)).toEqual(["room=2"]);
    await server.logger.waitFor("info", '"GET /api/');
    expect(expectCleanLines(server.logger).join("\n")).toContain(
      '"GET /api/?token=[redacted]&room=2 HTTP/2" 204 0',
    );
  });

  it("a custom parameter is redacted once redactQueryParams names it", async () => {
    const server = await start(tokenApp("key"), { redactQueryParams: ["key"] });
    const client = await connect(`${server.wsUrl}/ws/?key=${SECRET}`);
    expect(await client.text(0)).toBe("");
    await rawRequest(`${server.url}/api/?key=${SECRET}`);
    await server.logger.waitFor("info", '"GET /api/');
    expect(expectCleanLines(server.logger).join("\n")).toContain("/api/?key=[redacted]");
  });
});
