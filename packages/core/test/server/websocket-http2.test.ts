// WebSockets over HTTP/2 (RFC 8441): extended CONNECT streams on the HTTP/2 port, beside plain
// requests and HTTP/1.1 upgrades.
import { constants } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Application, WebSocketScope } from "../../src/protocol/types";
import { openH2WebSocket } from "./h2-websocket-client";
import { connect, deferred, echoApp, Recorder, start } from "./helpers";
import { type Certificate, makeCertificate, openSession, request } from "./tls-helpers";

let certificate: Certificate;
beforeAll(() => {
  certificate = makeCertificate();
});
afterAll(() => certificate.remove());

const h2 = () => ({ tls: { key: certificate.key, cert: certificate.cert }, http2: true as const });

/** Echo over WebSocket, and a plain answer over HTTP: one app on one port. */
function echoAndHttp(recorder: Recorder): Application {
  const echo = echoApp(recorder);
  return async (scope, receive, send) => {
    if (scope.type === "websocket") return echo(scope, receive, send);
    await receive();
    await send({ type: "http.response.start", status: 200, headers: [["content-type", "text/plain"]] });
    await send({ type: "http.response.body", body: new TextEncoder().encode(`HTTP/${scope.http_version}`) });
  };
}

describe("WebSocket over HTTP/2 (RFC 8441)", () => {
  it("advertises extended CONNECT, and a stream becomes a WebSocket with an http_version 2 scope", async () => {
    const recorder = new Recorder();
    const server = await start(echoAndHttp(recorder), h2());
    const session = await openSession(`https://127.0.0.1:${server.port}`, certificate.cert);
    const ws = await openH2WebSocket(session, "/ws/chat/lobby/?name=ada");
    expect(session.remoteSettings.enableConnectProtocol).toBe(true);
    expect(ws.status).toBe(200);
    ws.sendText("hello");
    ws.sendBinary(new Uint8Array([1, 2, 3]));
    expect(await ws.received(2)).toEqual(["hello", Buffer.from([1, 2, 3])]);
    const scope = recorder.scopes[0] as WebSocketScope;
    expect(scope).toMatchObject({
      type: "websocket",
      http_version: "2",
      scheme: "wss",
      path: "/ws/chat/lobby/",
      query_string: "name=ada",
    });
    expect(scope.headers).toContainEqual(["host", `127.0.0.1:${server.port}`]);
    expect(scope.headers.some(([name]) => name.startsWith(":"))).toBe(false);
    ws.close(4001, "bye");
    expect(await ws.closed).toEqual({ code: 4001, reason: "bye" });
    expect(await recorder.event("websocket.disconnect")).toMatchObject({ code: 4001, reason: "bye" });
    session.close();
  });

  it("carries many WebSockets and plain requests on one connection at once", async () => {
    const recorder = new Recorder();
    const server = await start(echoAndHttp(recorder), h2());
    const session = await openSession(`https://127.0.0.1:${server.port}`, certificate.cert);
    const sockets = await Promise.all(
      Array.from({ length: 10 }, (_, i) => openH2WebSocket(session, `/ws/${i}/`)),
    );
    const plain = request(session, "/page/");
    sockets.forEach((ws, i) => {
      for (let n = 0; n < 5; n++) ws.sendText(`${i}:${n}`);
    });
    for (const [i, ws] of sockets.entries()) {
      expect(await ws.received(5)).toEqual(Array.from({ length: 5 }, (_, n) => `${i}:${n}`));
    }
    expect((await plain).body.toString()).toBe("HTTP/2");
    for (const ws of sockets) ws.close(1000);
    await Promise.all(sockets.map((ws) => ws.closed));
    session.close();
  });

  it("negotiates a subprotocol and sends the app's accept headers", async () => {
    const app: Application = async (scope, receive, send) => {
      await receive();
      expect((scope as WebSocketScope).subprotocols).toEqual(["chat.v1", "chat.v2"]);
      await send({ type: "websocket.accept", subprotocol: "chat.v2", headers: [["x-room", "lobby"]] });
      await send({ type: "websocket.send", text: "welcome" });
      await receive();
    };
    const server = await start(app, h2());
    const session = await openSession(`https://127.0.0.1:${server.port}`, certificate.cert);
    const ws = await openH2WebSocket(session, "/ws/", { subprotocols: ["chat.v1", "chat.v2"] });
    expect(ws.headers["sec-websocket-protocol"]).toBe("chat.v2");
    expect(ws.headers["x-room"]).toBe("lobby");
    expect(await ws.received(1)).toEqual(["welcome"]);
    session.close();
  });

  it("answers 403 when the app closes before accepting, and the app's denial response as sent", async () => {
    const app: Application = async (scope, receive, send) => {
      await receive();
      if (scope.type !== "websocket") return;
      if (scope.path === "/closed/") await send({ type: "websocket.close" });
      else {
        await send({ type: "websocket.http.response.start", status: 401, headers: [["x-why", "token"]] });
        await send({
          type: "websocket.http.response.body",
          body: new TextEncoder().encode("log in"),
          more_body: true,
        });
        await send({ type: "websocket.http.response.body", body: new TextEncoder().encode(" first") });
      }
    };
    const server = await start(app, h2());
    const session = await openSession(`https://127.0.0.1:${server.port}`, certificate.cert);
    const closed = await openH2WebSocket(session, "/closed/");
    expect(closed.status).toBe(403);
    expect(await closed.body()).toBe("Access denied");
    const denied = await openH2WebSocket(session, "/denied/");
    expect(denied.status).toBe(401);
    expect(denied.headers["x-why"]).toBe("token");
    expect(await denied.body()).toBe("log in first");
    session.close();
  });

  it("the server closing the socket reaches the client; a reset stream reaches the app as 1006", async () => {
    const recorder = new Recorder();
    const closeNow = deferred();
    const app: Application = async (scope, receive, send) => {
      recorder.scopes.push(scope);
      await receive();
      await send({ type: "websocket.accept" });
      if ((scope as WebSocketScope).path === "/closing/") {
        await closeNow.promise;
        await send({ type: "websocket.close", code: 4003, reason: "go away" });
      }
      recorder.record(await receive());
    };
    const server = await start(app, h2());
    const session = await openSession(`https://127.0.0.1:${server.port}`, certificate.cert);
    const closing = await openH2WebSocket(session, "/closing/");
    closeNow.resolve();
    expect(await closing.closed).toEqual({ code: 4003, reason: "go away" });
    const reset = await openH2WebSocket(session, "/reset/");
    reset.stream.close(constants.NGHTTP2_CANCEL);
    await recorder.until(
      () => recorder.events.some((e) => e.type === "websocket.disconnect" && e.code === 1006),
      "a 1006 disconnect",
    );
    session.close();
  });

  it("applies the same limits: handshake timeout (403) and message size (1009)", async () => {
    const app: Application = async (scope, receive, send) => {
      await receive();
      if ((scope as WebSocketScope).path === "/slow/") {
        await receive(); // never accepts: the handshake timeout answers for it
        return;
      }
      await send({ type: "websocket.accept" });
      await receive();
    };
    const server = await start(app, { ...h2(), handshakeTimeoutMs: 50, maxMessageBytes: 16 });
    const session = await openSession(`https://127.0.0.1:${server.port}`, certificate.cert);
    const slow = await openH2WebSocket(session, "/slow/");
    expect(slow.status).toBe(403);
    const big = await openH2WebSocket(session, "/big/");
    big.sendText("x".repeat(17));
    expect((await big.closed).code).toBe(1009);
    session.close();
  });

  it("refuses a wrong WebSocket version with 400, and CONNECT for anything else with 405", async () => {
    const server = await start(echoApp(), h2());
    const session = await openSession(`https://127.0.0.1:${server.port}`, certificate.cert);
    const wrong = await openH2WebSocket(session, "/ws/", { version: "8" });
    expect(wrong.status).toBe(400);
    expect(wrong.headers["sec-websocket-version"]).toBe("13");
    const tunnel = session.request({ ":method": "CONNECT", ":authority": "example.com:443" });
    const answer = await new Promise<Record<string, unknown>>((resolve) => tunnel.once("response", resolve));
    expect(answer[":status"]).toBe(405);
    session.close();
  });

  it("works on cleartext HTTP/2 (h2c) too, and HTTP/1.1 upgrades on the TLS port still work", async () => {
    const h2c = await start(echoApp(), { http2: "h2c" });
    const session = await openSession(`http://127.0.0.1:${h2c.port}`);
    const ws = await openH2WebSocket(session, "/ws/", { scheme: "http" });
    ws.sendText("over h2c");
    expect(await ws.received(1)).toEqual(["over h2c"]);
    session.close();

    const tls = await start(echoApp(), h2());
    const http1 = await connect(`wss://127.0.0.1:${tls.port}/ws/`, undefined, { ca: certificate.cert });
    http1.ws.send("over HTTP/1.1");
    expect(await http1.text(0)).toBe("over HTTP/1.1");
    http1.ws.close();
  });

  it("shutdown closes HTTP/2 WebSockets with 1001", async () => {
    const server = await start(echoApp(), h2());
    const session = await openSession(`https://127.0.0.1:${server.port}`, certificate.cert);
    const ws = await openH2WebSocket(session, "/ws/");
    const closing = server.close();
    expect((await ws.closed).code).toBe(1001);
    await closing;
    session.destroy();
  });
});
