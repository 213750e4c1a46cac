import { request as http1Request } from "node:http";
import { constants } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AsyncHttpConsumer } from "../../src/consumers/index";
import { ImproperlyConfigured } from "../../src/exceptions";
import { InMemoryChannelLayer } from "../../src/layers/in-memory-layer";
import type { Application, HttpScope } from "../../src/protocol/types";
import { ProtocolTypeRouter, path, URLRouter } from "../../src/routing/index";
import { connect, deferred, NewsEvents, Recorder, start, within } from "./helpers";
import { type Certificate, makeCertificate, openSession, readResponse, request } from "./tls-helpers";

let certificate: Certificate;
beforeAll(() => {
  certificate = makeCertificate();
});
afterAll(() => certificate.remove());

const tlsOptions = () => ({ tls: { key: certificate.key, cert: certificate.cert }, http2: true as const });
const encode = (text: string) => new TextEncoder().encode(text);

class Hello extends AsyncHttpConsumer {
  override async handle(body: Uint8Array) {
    const s = this.scope;
    await this.sendResponse(
      200,
      `${s.method} ${s.path} ?${s.query_string} HTTP/${s.http_version} ${s.scheme} ${new TextDecoder().decode(body)}`,
      {
        headers: [["content-type", "text/plain"]],
      },
    );
  }
}

/** Echoes the WebSocket messages it gets, to show wss:// shares the HTTP/2 port. */
async function echoSocket(...[, receive, send]: Parameters<Application>) {
  await receive();
  await send({ type: "websocket.accept" });
  for (let i = 0; i < 100; i++) {
    const event = await receive();
    if (event.type !== "websocket.receive") return;
    await send({ type: "websocket.send", text: `echo: ${event.text}` });
  }
}

const application = ProtocolTypeRouter({
  http: URLRouter([path("events/", NewsEvents.asAsgi()), path("hello/", Hello.asAsgi())]),
  websocket: echoSocket,
});

/** A raw app that records its scope and answers "ok". */
function recordingApp(recorder: Recorder): Application {
  return async (scope, receive, send) => {
    recorder.scopes.push(scope);
    await receive();
    await send({ type: "http.response.start", status: 200 });
    await send({ type: "http.response.body", body: encode("ok") });
    recorder.poke();
  };
}

describe("HTTP/2 over TLS", () => {
  it("serves an AsyncHttpConsumer and builds the scope from the pseudo-headers", async () => {
    const recorder = new Recorder();
    const server = await start(recordingApp(recorder), tlsOptions());
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const session = await openSession(server.url, certificate.cert);
    const response = await request(session, "/caf%C3%A9/x?q=1&r=%20");
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe("ok");
    const scope = recorder.scopes[0] as HttpScope;
    expect(scope).toMatchObject({
      type: "http",
      http_version: "2",
      method: "GET",
      scheme: "https",
      path: "/café/x",
      raw_path: "/caf%C3%A9/x",
      query_string: "q=1&r=%20",
    });
    expect(scope.headers).toContainEqual(["host", `127.0.0.1:${server.port}`]);
    expect(scope.headers.some(([name]) => name.startsWith(":"))).toBe(false);
    expect(scope.client?.[0]).toBe("127.0.0.1");
    await server.logger.waitFor("info", '"GET /caf%C3%A9/x?q=1&r=%20 HTTP/2" 200 2');
    session.close();

    const consumer = await start(application, tlsOptions());
    const session2 = await openSession(consumer.url, certificate.cert);
    const hello = await request(session2, "/hello/?a=b", { method: "POST", body: "body!" });
    expect(hello.headers["content-type"]).toBe("text/plain");
    expect(hello.body.toString()).toBe("POST /hello/ ?a=b HTTP/2 https body!");
    session2.close();
  });

  it("streams server-sent events fed by the channel layer until finish()", async () => {
    const layer = new InMemoryChannelLayer();
    const server = await start(application, { ...tlsOptions(), layers: { default: layer } });
    const session = await openSession(server.url, certificate.cert);
    const stream = session.request({ ":path": "/events/" });
    const headers = await within(new Promise<Record<string, unknown>>((r) => stream.once("response", r)));
    expect(headers["content-type"]).toBe("text/event-stream");
    let text = "";
    let waiter: { needle: string; resolve: () => void } | null = null;
    stream.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (waiter !== null && text.includes(waiter.needle)) waiter.resolve();
    });
    const ended = new Promise<void>((r) => stream.once("end", r));
    const arrived = (needle: string) => {
      const d = deferred();
      waiter = { needle, resolve: d.resolve };
      if (text.includes(needle)) d.resolve();
      return within(d.promise, 5_000, needle);
    };
    await arrived("event: ready");
    for (const item of ["one", "two"]) {
      await layer.groupSend("news", { type: "news_item", text: item });
      await arrived(`data: ${item}`);
    }
    await layer.groupSend("news", { type: "news_end" });
    await within(ended, 5_000, "the end of the event stream");
    expect(text).toBe("event: ready\n\ndata: one\n\ndata: two\n\n");
    session.close();
  });

  it("answers 50 concurrent streams on one connection, each with its own body", async () => {
    const server = await start(application, tlsOptions());
    const session = await openSession(server.url, certificate.cert);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        request(session, `/hello/?n=${i}`, { method: "POST", body: `#${i}` }),
      ),
    );
    responses.forEach((response, i) => {
      expect(response.status).toBe(200);
      expect(response.body.toString()).toBe(`POST /hello/ ?n=${i} HTTP/2 https #${i}`);
    });
    session.close();
  });

  it("keeps wss:// WebSockets working on the same port over HTTP/1.1", async () => {
    const server = await start(application, tlsOptions());
    const client = await connect(`wss://127.0.0.1:${server.port}/ws/`, undefined, { ca: certificate.cert });
    client.ws.send("over tls");
    expect(await client.text(0)).toBe("echo: over tls");
    // An HTTP/2 session to the same port works alongside it.
    const session = await openSession(server.url, certificate.cert);
    expect((await request(session, "/hello/")).status).toBe(200);
    session.close();
    client.ws.close();
    await client.closed;
  });

  it("streams a large request body in chunks and a large response under flow control", async () => {
    const recorder = new Recorder();
    const chunkBytes = 64 * 1024;
    const chunkCount = 64;
    let blocked = false;
    const sawBackpressure = deferred();
    const app: Application = async (_scope, receive, send) => {
      let received = 0;
      for (let i = 0; i < 1_000; i++) {
        const event = await receive();
        recorder.record(event);
        if (event.type !== "http.request") return;
        received += event.body?.length ?? 0;
        if (!event.more_body) break;
      }
      await send({ type: "http.response.start", status: 200, headers: [["x-received", String(received)]] });
      for (let i = 0; i < chunkCount; i++) {
        const sent = send({
          type: "http.response.body",
          body: new Uint8Array(chunkBytes).fill(i),
          more_body: true,
        });
        // A send() still pending after its turn means the server waits for the client's window.
        const pending = await Promise.race([sent.then(() => false), Promise.resolve(true)]);
        if (pending && !blocked) {
          blocked = true;
          sawBackpressure.resolve();
        }
        await sent;
      }
      await send({ type: "http.response.body", body: new Uint8Array(0) });
    };
    const server = await start(app, tlsOptions());
    const session = await openSession(server.url, certificate.cert);
    const upload = Buffer.alloc(1024 * 1024, 7);
    const stream = session.request({ ":method": "PUT", ":path": "/upload" });
    stream.pause();
    stream.end(upload);
    // The client reads nothing until the application had to wait.
    await within(sawBackpressure.promise, 5_000, "the application to wait on backpressure");
    const response = readResponse(stream);
    stream.resume();
    const { status, headers, body } = await response;
    expect(status).toBe(200);
    expect(headers["x-received"]).toBe(String(upload.length));
    expect(recorder.events.filter((e) => e.type === "http.request").length).toBeGreaterThan(1);
    expect(body.length).toBe(chunkBytes * chunkCount);
    for (let i = 0; i < chunkCount; i++) expect(body[i * chunkBytes]).toBe(i);
    session.close();
  });

  it("reports a stream reset mid-response to the application as http.disconnect", async () => {
    const recorder = new Recorder();
    const app: Application = async (scope, receive, send) => {
      await receive();
      await send({ type: "http.response.start", status: 200 });
      const open = scope.type === "http" && scope.path === "/long";
      await send({ type: "http.response.body", body: encode(open ? "partial" : "whole"), more_body: open });
      if (open) recorder.record(await receive());
    };
    const server = await start(app, tlsOptions());
    const session = await openSession(server.url, certificate.cert);
    const stream = session.request({ ":path": "/long" });
    stream.on("error", () => {});
    await within(new Promise((r) => stream.once("data", r)), 5_000, "the first body chunk");
    stream.close(constants.NGHTTP2_CANCEL);
    await recorder.event("http.disconnect");
    // The connection's other streams are unaffected.
    const other = await request(session, "/again");
    expect(other.status).toBe(200);
    expect(other.body.toString()).toBe("whole");
    session.destroy();
  });

  it("resets only its own stream when the application fails mid-response", async () => {
    const app: Application = async (scope, receive, send) => {
      await receive();
      await send({ type: "http.response.start", status: 200 });
      if (scope.type === "http" && scope.path === "/fails") {
        await send({ type: "http.response.body", body: encode("half"), more_body: true });
        throw new Error("boom");
      }
      await send({ type: "http.response.body", body: encode("fine") });
    };
    const server = await start(app, tlsOptions());
    const session = await openSession(server.url, certificate.cert);
    await expect(request(session, "/fails")).rejects.toThrow(/stream reset|Stream closed/);
    expect((await request(session, "/works")).body.toString()).toBe("fine");
    await server.logger.waitFor("error", "Exception inside application (GET /fails)");
    session.close();
  });

  it("sends GOAWAY on shutdown and lets in-flight streams finish", async () => {
    const release = deferred();
    const arrived = deferred();
    const app: Application = async (_scope, receive, send) => {
      await receive();
      arrived.resolve();
      await release.promise;
      await send({ type: "http.response.start", status: 200 });
      await send({ type: "http.response.body", body: encode("finished after GOAWAY") });
    };
    const server = await start(app, { ...tlsOptions(), applicationCloseTimeoutMs: 10_000 });
    const session = await openSession(server.url, certificate.cert);
    const goaway = new Promise<number>((resolve) => session.once("goaway", (code: number) => resolve(code)));
    const inFlight = request(session, "/slow");
    await within(arrived.promise, 5_000, "the request to reach the application");
    const closed = server.close();
    expect(await within(goaway, 5_000, "GOAWAY")).toBe(constants.NGHTTP2_NO_ERROR);
    release.resolve();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe("finished after GOAWAY");
    await within(closed, 10_000, "the server to close");
  });

  it("ends a streaming response on shutdown, its application getting http.disconnect", async () => {
    const recorder = new Recorder();
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({
        type: "http.response.start",
        status: 200,
        headers: [["content-type", "text/event-stream"]],
      });
      await send({ type: "http.response.body", body: encode("event: ready\n\n"), more_body: true });
      recorder.record(await receive());
    };
    const server = await start(app, tlsOptions());
    const session = await openSession(server.url, certificate.cert);
    const stream = session.request({ ":path": "/events" });
    const response = readResponse(stream);
    await within(new Promise((r) => stream.once("data", r)), 5_000, "the first event");
    await within(server.close(), 10_000, "the server to close");
    expect((await response).body.toString()).toBe("event: ready\n\n");
    expect(recorder.events).toEqual([{ type: "http.disconnect" }]);
  });

  it("sends trailers when http.response.start asked for them", async () => {
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: "http.response.start", status: 200, trailers: true });
      await send({ type: "http.response.body", body: encode("with trailers") });
      await send({ type: "http.response.trailers", headers: [["grpc-status", "0"]], more_trailers: true });
      await send({ type: "http.response.trailers", headers: [["x-checksum", "abc"]] });
    };
    const server = await start(app, tlsOptions());
    const session = await openSession(server.url, certificate.cert);
    const response = await request(session, "/");
    expect(response.body.toString()).toBe("with trailers");
    expect(response.trailers).toMatchObject({ "grpc-status": "0", "x-checksum": "abc" });
    session.close();
  });

  it("answers 503 over HTTP/2 when the response does not start within httpTimeoutMs", async () => {
    const app: Application = async (_scope, receive) => {
      await receive();
      await receive(); // waits for http.disconnect
    };
    const server = await start(app, { ...tlsOptions(), httpTimeoutMs: 50 });
    const session = await openSession(server.url, certificate.cert);
    const response = await request(session, "/");
    expect(response.status).toBe(503);
    session.close();
  });

  it("drops HTTP/1.1 connection headers the application sends instead of failing the stream", async () => {
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({
        type: "http.response.start",
        status: 200,
        headers: [
          ["Connection", "close"],
          ["X-Kept", "yes"],
        ],
      });
      await send({ type: "http.response.body", body: encode("ok") });
    };
    const server = await start(app, tlsOptions());
    const session = await openSession(server.url, certificate.cert);
    const response = await request(session, "/");
    expect(response.status).toBe(200);
    expect(response.headers["x-kept"]).toBe("yes");
    expect(response.headers.connection).toBeUndefined();
    session.close();
  });
});

describe("h2c and plain TLS", () => {
  it('serves cleartext HTTP/2 with prior knowledge (http2: "h2c")', async () => {
    const recorder = new Recorder();
    const server = await start(recordingApp(recorder), { http2: "h2c" });
    expect(server.url).toMatch(/^http:\/\//);
    const session = await openSession(server.url);
    const response = await request(session, "/plain?x=1");
    expect(response.body.toString()).toBe("ok");
    expect(recorder.scopes[0]).toMatchObject({
      http_version: "2",
      scheme: "http",
      path: "/plain",
      query_string: "x=1",
    });
    session.close();
  });

  it("serves HTTPS and WSS over HTTP/1.1 with tls alone", async () => {
    const recorder = new Recorder();
    const server = await start(ProtocolTypeRouter({ http: recordingApp(recorder), websocket: echoSocket }), {
      tls: { key: certificate.key, cert: certificate.cert },
    });
    expect(server.url).toMatch(/^https:\/\//);
    const client = await connect(`wss://127.0.0.1:${server.port}/`, undefined, { ca: certificate.cert });
    client.ws.send("hi");
    expect(await client.text(0)).toBe("echo: hi");
    client.ws.close();
    await client.closed;
    const { request: httpsRequest } = await import("node:https");
    const body = await within(
      new Promise<string>((resolve, reject) => {
        httpsRequest(`${server.url}/x`, { ca: certificate.cert }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => {
            text += c.toString();
          });
          res.on("end", () => resolve(text));
        })
          .on("error", reject)
          .end();
      }),
    );
    expect(body).toBe("ok");
    expect(recorder.scopes[0]).toMatchObject({ http_version: "1.1", scheme: "https" });
  });

  it("sends trailers on chunked HTTP/1.1 responses too", async () => {
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: "http.response.start", status: 200, trailers: true });
      await send({ type: "http.response.body", body: encode("chunked") });
      await send({ type: "http.response.trailers", headers: [["x-checksum", "abc"]] });
    };
    const server = await start(app);
    const { body, trailers } = await within(
      new Promise<{ body: string; trailers: Record<string, string | undefined> }>((resolve, reject) => {
        http1Request(`${server.url}/`, { headers: { te: "trailers" } }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => {
            text += c.toString();
          });
          res.on("end", () => resolve({ body: text, trailers: res.trailers }));
        })
          .on("error", reject)
          .end();
      }),
    );
    expect(body).toBe("chunked");
    expect(trailers["x-checksum"]).toBe("abc");
  });

  it("rejects http2: true without tls, with what to do instead", async () => {
    await expect(start(application, { http2: true })).rejects.toThrow(ImproperlyConfigured);
    await expect(start(application, { http2: true })).rejects.toThrow(/needs tls: \{ key, cert \}/);
    await expect(
      start(application, {
        tls: { key: Buffer.from("not a key"), cert: Buffer.from("not a cert") },
        http2: true,
      }),
    ).rejects.toThrow(/not a usable PEM key and certificate/);
  });
});
