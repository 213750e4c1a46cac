import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { CancelledError } from "../../src/exceptions";
import type { ReceiveEvent } from "../../src/protocol/types";
import { connect, connectRejected, deferred, echoApp, Recorder, start, within } from "./helpers";

describe("WebSocket handshake", () => {
  it("SV-01: accepts, and the first event is exactly {type: websocket.connect}", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec));
    const client = await connect(`${server.wsUrl}/ws/`);
    expect(rec.events[0]).toEqual({ type: "websocket.connect" });
    client.ws.close();
    await client.closed;
  });

  it("builds the full WebSocket scope", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec), { rootPath: "/app" });
    const client = await connect(`${server.wsUrl}/app/ws/chat/?a=1&b=%20x`, undefined, {
      headers: { "X-Ok": "2" },
    });
    const scope = rec.scopes[0] as Record<string, unknown>;
    expect(scope).toMatchObject({
      type: "websocket",
      asgi: { version: "3.0", spec_version: "2.5" },
      http_version: "1.1",
      scheme: "ws",
      path: "/app/ws/chat/",
      raw_path: "/app/ws/chat/",
      query_string: "a=1&b=%20x",
      root_path: "/app",
      subprotocols: [],
      extensions: { "websocket.http.response": {} },
      server: ["127.0.0.1", server.port],
    });
    expect(scope.client).toEqual(["127.0.0.1", expect.any(Number)]);
    expect(scope.headers).toContainEqual(["x-ok", "2"]);
    expect(scope.headers).toContainEqual(["host", `127.0.0.1:${server.port}`]);
    expect(scope.state).toBeUndefined();
    client.ws.close();
  });

  it("SV-02: websocket.close before accept answers 403; the app then gets disconnect 1006", async () => {
    const rec = new Recorder();
    const server = await start(async (_scope, receive, send) => {
      rec.record(await receive());
      await send({ type: "websocket.close", code: 4000 });
      rec.record(await receive());
    });
    const response = await connectRejected(`${server.wsUrl}/`);
    expect(response.status).toBe(403);
    await rec.until(() => rec.events.length === 2);
    expect(rec.events[1]).toEqual({ type: "websocket.disconnect", code: 1006, reason: "" });
    expect(server.logger.has("info", "WSREJECT /")).toBe(true);
  });

  it("SV-03: negotiates the subprotocol the app picks, and lists the offered ones in the scope", async () => {
    const rec = new Recorder();
    const server = await start(async (scope, receive, send) => {
      rec.scopes.push(scope);
      await receive();
      await send({ type: "websocket.accept", subprotocol: "proto2" });
      await receive();
    });
    const client = await connect(server.wsUrl, ["proto1", "proto2"]);
    expect(client.ws.protocol).toBe("proto2");
    expect((rec.scopes[0] as { subprotocols: string[] }).subprotocols).toEqual(["proto1", "proto2"]);
    client.ws.close();
  });

  it("accepting with no subprotocol answers without the header (the ws client then fails, as RFC 6455 lets it)", async () => {
    const server = await start(echoApp());
    const error = await connect(server.wsUrl, ["proto1"]).catch((e: Error) => e);
    expect(String(error)).toMatch(/Server sent no subprotocol/);
  });

  it("sends the accept headers the app gives", async () => {
    const server = await start(async (_scope, receive, send) => {
      await receive();
      await send({
        type: "websocket.accept",
        headers: [
          ["x-session", "abc"],
          ["set-cookie", "a=1"],
        ],
      });
      await receive();
    });
    const ws = new WebSocket(server.wsUrl);
    const headers = await within(
      new Promise<Record<string, unknown>>((resolve) => ws.once("upgrade", (res) => resolve(res.headers))),
    );
    expect(headers["x-session"]).toBe("abc");
    expect(headers["set-cookie"]).toEqual(["a=1"]);
    ws.close();
  });

  it("SV-04: with proxyHeaders, X-Forwarded-For/-Port/-Proto set client and scheme", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec), { proxyHeaders: true });
    const headers = {
      "X-Forwarded-For": "10.1.2.3, 10.0.0.1",
      "X-Forwarded-Port": "80",
      "X-Forwarded-Proto": "https",
    };
    const client = await connect(server.wsUrl, undefined, { headers });
    expect(rec.scopes[0]).toMatchObject({ client: ["10.1.2.3", 80], scheme: "wss" });
    client.ws.close();
  });

  it("without proxyHeaders, X-Forwarded-For is ignored", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec));
    const client = await connect(server.wsUrl, undefined, { headers: { "X-Forwarded-For": "10.1.2.3" } });
    expect((rec.scopes[0] as { client: [string, number] }).client[0]).toBe("127.0.0.1");
    client.ws.close();
  });

  it("SV-05: path is percent-decoded, raw_path is not", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec));
    const client = await connect(`${server.wsUrl}/foo%2Fbar/%C3%A9`);
    expect(rec.scopes[0]).toMatchObject({ path: "/foo/bar/é", raw_path: "/foo%2Fbar/%C3%A9" });
    client.ws.close();
  });

  it("SV-10: header names with _ are dropped from the scope", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec));
    const client = await connect(server.wsUrl, undefined, { headers: { X_Under: "1", "X-Ok": "2" } });
    const headers = (rec.scopes[0] as { headers: Array<[string, string]> }).headers;
    expect(headers).toContainEqual(["x-ok", "2"]);
    expect(headers.some(([name]) => name.includes("_"))).toBe(false);
    client.ws.close();
  });

  it("the denial-response extension answers a real 401 with the app's headers and body", async () => {
    const rec = new Recorder();
    const server = await start(async (_scope, receive, send) => {
      rec.record(await receive());
      await send({
        type: "websocket.http.response.start",
        status: 401,
        headers: [["www-authenticate", "Bearer"]],
      });
      await send({
        type: "websocket.http.response.body",
        body: new TextEncoder().encode("no "),
        more_body: true,
      });
      await send({ type: "websocket.http.response.body", body: new TextEncoder().encode("token") });
      rec.record(await receive());
    });
    const response = await connectRejected(server.wsUrl);
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toBe("Bearer");
    expect(response.body).toBe("no token");
    await rec.until(() => rec.events.length === 2);
    expect(rec.events[1]).toMatchObject({ type: "websocket.disconnect", code: 1006 });
  });

  it("a single-body denial response carries a content-length", async () => {
    const server = await start(async (_scope, receive, send) => {
      await receive();
      await send({ type: "websocket.http.response.start", status: 429 });
      await send({ type: "websocket.http.response.body", body: new TextEncoder().encode("slow down") });
      await receive();
    });
    const response = await connectRejected(server.wsUrl);
    expect(response).toMatchObject({ status: 429, body: "slow down" });
    expect(response.headers["content-length"]).toBe("9");
  });

  it("handshake timeout: an app that never answers gets 403 for its client and disconnect 1006", async () => {
    const rec = new Recorder();
    const server = await start(
      async (_scope, receive) => {
        rec.record(await receive());
        rec.record(await receive());
      },
      { handshakeTimeoutMs: 100 },
    );
    const response = await connectRejected(server.wsUrl);
    expect(response.status).toBe(403);
    await rec.until(() => rec.events.length === 2);
    expect(rec.events[1]).toMatchObject({ type: "websocket.disconnect", code: 1006 });
    expect(server.logger.has("warn", "handshake timed out")).toBe(true);
  });

  it("a client that leaves during the handshake gives the app disconnect 1006; its late accept is ignored", async () => {
    const rec = new Recorder();
    const clientGone = deferred();
    const server = await start(async (_scope, receive, send) => {
      rec.record(await receive());
      await clientGone.promise;
      rec.record(await receive());
      await send({ type: "websocket.accept" });
      rec.poke();
    });
    const ws = new WebSocket(server.wsUrl);
    ws.on("error", () => {});
    await rec.until(() => rec.events.length === 1, "websocket.connect");
    ws.terminate();
    clientGone.resolve();
    await rec.until(() => rec.events.length === 2, "websocket.disconnect");
    expect(rec.events[1]).toEqual({ type: "websocket.disconnect", code: 1006, reason: "" });
    expect(rec.errors).toEqual([]);
  });

  it("permessage-deflate is off by default and negotiated when enabled", async () => {
    const plain = await start(echoApp());
    const offered = await connect(plain.wsUrl, undefined, { perMessageDeflate: true });
    expect(offered.ws.extensions).toBe("");
    offered.ws.close();
    const deflating = await start(echoApp(), { perMessageDeflate: true });
    const compressed = await connect(deflating.wsUrl, undefined, { perMessageDeflate: true });
    expect(compressed.ws.extensions).toContain("permessage-deflate");
    compressed.ws.send("squeeze me ".repeat(100));
    expect(await compressed.text(0)).toBe("squeeze me ".repeat(100));
    compressed.ws.close();
  });

  it("refuses malformed upgrade requests before calling the app", async () => {
    let calls = 0;
    const server = await start(async () => {
      calls++;
    });
    const socket = new Socket();
    const data = deferred<string>();
    let text = "";
    socket.on("data", (c) => {
      text += c.toString();
    });
    socket.on("close", () => data.resolve(text));
    socket.connect(server.port, "127.0.0.1", () => {
      socket.write(
        "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
    });
    expect(await within(data.promise)).toMatch(/^HTTP\/1.1 400/);
    expect(calls).toBe(0);
  });
});

describe("WebSocket frames and close codes", () => {
  it("SV-06: text and binary frames arrive as text / bytes, and go back as the same frame types", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec));
    const client = await connect(server.wsUrl);
    client.ws.send("what is here? 🌍");
    client.ws.send(Buffer.from("what is here? \xe2", "latin1"));
    const [text, binary] = await client.received(2);
    expect(text).toMatchObject({ isBinary: false });
    expect(text?.data.toString()).toBe("what is here? 🌍");
    expect(binary?.isBinary).toBe(true);
    expect(binary?.data).toEqual(Buffer.from("what is here? \xe2", "latin1"));
    const received = rec.events.filter((e) => e.type === "websocket.receive");
    expect(received[0]).toEqual({ type: "websocket.receive", text: "what is here? 🌍" });
    expect(Object.keys(received[1] as object).sort()).toEqual(["bytes", "type"]);
    client.ws.close();
  });

  it("SV-09 (DESIGN difference): empty text and empty binary frames are sent", async () => {
    const server = await start(async (_scope, receive, send) => {
      await receive();
      await send({ type: "websocket.accept" });
      await send({ type: "websocket.send", text: "" });
      await send({ type: "websocket.send", bytes: new Uint8Array(0) });
      await send({ type: "websocket.send", text: "end", bytes: null });
      await receive();
    });
    const client = await connect(server.wsUrl);
    const messages = await client.received(3);
    expect(messages.map((m) => [m.data.length, m.isBinary])).toEqual([
      [0, false],
      [0, true],
      [3, false],
    ]);
    client.ws.close();
  });

  it("SV-09: text and bytes together reject the send; the crashed app closes the socket 1011", async () => {
    const rec = new Recorder();
    const server = await start(async (_scope, receive, send) => {
      await receive();
      await send({ type: "websocket.accept" });
      try {
        await send({ type: "websocket.send", text: "a", bytes: new Uint8Array(1) });
      } catch (error) {
        rec.fail(error);
        throw error;
      }
    });
    const client = await connect(`${server.wsUrl}/boom/`);
    expect((await client.closed).code).toBe(1011);
    expect(String(rec.errors[0])).toMatch(/both text and bytes/);
    expect(server.logger.has("error", "/boom/")).toBe(true);
  });

  it("SV-08: an exception before accept answers 500, after accept closes 1011, the server keeps serving", async () => {
    const server = await start(async (scope, receive, send) => {
      await receive();
      if ((scope as { path: string }).path === "/before/") throw new Error("before");
      await send({ type: "websocket.accept" });
      if ((scope as { path: string }).path === "/after/") throw new Error("after");
      await receive();
    });
    expect((await connectRejected(`${server.wsUrl}/before/`)).status).toBe(500);
    const after = await connect(`${server.wsUrl}/after/`);
    expect((await after.closed).code).toBe(1011);
    const fine = await connect(`${server.wsUrl}/fine/`);
    expect(fine.ws.readyState).toBe(WebSocket.OPEN);
    fine.ws.close();
    const errors = server.logger.lines.filter((l) => l.level === "error").map((l) => l.message);
    expect(errors.some((m) => m.includes("/before/"))).toBe(true);
    expect(errors.some((m) => m.includes("/after/"))).toBe(true);
  });

  it("SV-08: websocket.send before accept rejects inside the app", async () => {
    const rec = new Recorder();
    const server = await start(async (_scope, receive, send) => {
      await receive();
      await send({ type: "websocket.send", text: "too early" }).catch((e: unknown) => rec.fail(e));
      await send({ type: "websocket.close" });
      await receive();
    });
    expect((await connectRejected(server.wsUrl)).status).toBe(403);
    expect(String(rec.errors[0])).toMatch(/not been accepted/);
  });

  it("an app returning without accepting answers 500; returning after accept closes 1000", async () => {
    const server = await start(async (scope, receive, send) => {
      await receive();
      if ((scope as { path: string }).path === "/accept/") await send({ type: "websocket.accept" });
    });
    expect((await connectRejected(`${server.wsUrl}/noaccept/`)).status).toBe(500);
    const client = await connect(`${server.wsUrl}/accept/`);
    expect((await client.closed).code).toBe(1000);
  });

  it("SV-11: the client's close code and reason reach the app", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec));
    const client = await connect(server.wsUrl);
    client.ws.close(4321, "bye");
    expect(await rec.event("websocket.disconnect")).toEqual({
      type: "websocket.disconnect",
      code: 4321,
      reason: "bye",
    });
  });

  it("SV-11 (DESIGN difference): a close frame without status gives 1005", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec));
    const client = await connect(server.wsUrl);
    client.ws.close();
    expect(await rec.event("websocket.disconnect")).toEqual({
      type: "websocket.disconnect",
      code: 1005,
      reason: "",
    });
  });

  it("SV-11: a dropped TCP connection gives 1006", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec));
    const client = await connect(server.wsUrl);
    client.ws.terminate();
    expect(await rec.event("websocket.disconnect")).toMatchObject({ code: 1006 });
    expect(server.logger.has("info", "WSDISCONNECT / 1006")).toBe(true);
  });

  it("the app's close code and reason reach the client; no code means 1000", async () => {
    const server = await start(async (scope, receive, send) => {
      await receive();
      await send({ type: "websocket.accept" });
      if ((scope as { path: string }).path === "/coded/")
        await send({ type: "websocket.close", code: 4000, reason: "done" });
      else await send({ type: "websocket.close" });
      await receive();
    });
    const coded = await connect(`${server.wsUrl}/coded/`);
    expect(await coded.closed).toEqual({ code: 4000, reason: "done" });
    const plain = await connect(`${server.wsUrl}/plain/`);
    expect(await plain.closed).toEqual({ code: 1000, reason: "" });
  });

  it("invalid events reject send() with a message that says what to send", async () => {
    const errors: string[] = [];
    const server = await start(async (_scope, receive, send) => {
      await receive();
      const attempt = (event: unknown) =>
        send(event as never).catch((e: unknown) => {
          errors.push(String(e));
        });
      await attempt({ type: "websocket.accept", subprotocol: "never-offered" });
      await attempt({ type: "websocket.accept", headers: [["sec-websocket-protocol", "x"]] });
      await attempt({ type: "websocket.accept", headers: "nope" });
      await attempt({ type: "http.response.start", status: 200 });
      await attempt(null);
      await send({ type: "websocket.accept" });
      await attempt({ type: "websocket.close", code: 1006 });
      await attempt({ type: "websocket.send" });
      await attempt({ type: "websocket.send", bytes: "text as bytes" });
      await attempt({ type: "websocket.accept" });
      await send({ type: "websocket.send", text: "done" });
      await receive();
    });
    const client = await connect(server.wsUrl);
    expect(await client.text(0)).toBe("done");
    expect(errors).toHaveLength(9);
    expect(errors[0]).toMatch(/subprotocol must be one the client offered/);
    expect(errors[1]).toMatch(/pass subprotocol instead/);
    expect(errors[2]).toMatch(/array of \[name, value\]/);
    expect(errors[3]).toMatch(/Cannot send "http.response.start" on a WebSocket/);
    expect(errors[4]).toMatch(/event object with a string type/);
    expect(errors[5]).toMatch(/close code must be/);
    expect(errors[6]).toMatch(/needs text \(a string\) or bytes/);
    expect(errors[7]).toMatch(/needs text \(a string\) or bytes/);
    expect(errors[8]).toMatch(/already accepted/);
    client.ws.close();
  });

  it("sends after the connection closed are dropped quietly", async () => {
    const done = deferred<unknown>();
    const server = await start(async (_scope, receive, send) => {
      await receive();
      await send({ type: "websocket.accept" });
      await receive();
      done.resolve(
        await send({ type: "websocket.send", text: "late" }).then(
          () => "ok",
          (e: unknown) => e,
        ),
      );
    });
    const client = await connect(server.wsUrl);
    client.ws.close();
    expect(await within(done.promise)).toBe("ok");
  });

  it("reads in order an app that lags behind, pausing the client meanwhile", async () => {
    const go = deferred();
    const got: string[] = [];
    const finished = deferred();
    const server = await start(async (_scope, receive, send) => {
      await receive();
      await send({ type: "websocket.accept" });
      await go.promise;
      for (let i = 0; i < 500; i++) {
        const event = (await receive()) as ReceiveEvent & { text?: string };
        got.push(event.text as string);
      }
      finished.resolve();
      await receive();
    });
    const client = await connect(server.wsUrl);
    const sent: Array<Promise<void>> = [];
    for (let i = 0; i < 500; i++) {
      sent.push(
        new Promise((resolve, reject) => client.ws.send(String(i), (e) => (e ? reject(e) : resolve()))),
      );
    }
    await within(Promise.all(sent));
    go.resolve();
    await within(finished.promise);
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
    client.ws.close();
  });

  it("200 concurrent clients each echoing 20 messages lose nothing", async () => {
    const server = await start(echoApp(), { logger: null });
    const clients = await Promise.all(Array.from({ length: 200 }, () => connect(server.wsUrl)));
    await Promise.all(
      clients.map(async (client, c) => {
        for (let i = 0; i < 20; i++) client.ws.send(`${c}:${i}`);
        const messages = await client.received(20);
        expect(messages.map((m) => m.data.toString())).toEqual(
          Array.from({ length: 20 }, (_, i) => `${c}:${i}`),
        );
      }),
    );
    await Promise.all(
      clients.map((client) => {
        client.ws.close();
        return client.closed;
      }),
    );
  });
});

describe("WebSocket limits", () => {
  it("a message larger than maxMessageBytes closes the socket with 1009, and the app sees 1009 too", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec), { maxMessageBytes: 1024 });
    const client = await connect(server.wsUrl);
    client.ws.send("x".repeat(1024));
    expect(await client.text(0)).toHaveLength(1024);
    client.ws.send("x".repeat(1025));
    expect((await client.closed).code).toBe(1009);
    expect(await rec.event("websocket.disconnect")).toMatchObject({ code: 1009 });
    expect(server.logger.has("info", "WSDISCONNECT / 1009")).toBe(true);
  });

  it("invalid UTF-8 in a text frame closes with 1007, which the app sees too", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec));
    const client = await connect(server.wsUrl, undefined, { skipUTF8Validation: true });
    // A text frame (opcode 1) whose payload is not UTF-8; ws's client sends it as given.
    client.ws.send(Buffer.from([0xff, 0xfe]), { binary: false });
    expect((await client.closed).code).toBe(1007);
    expect(await rec.event("websocket.disconnect")).toMatchObject({ code: 1007 });
  });

  it("a client that does not read is closed with 1013 once maxBufferedBytes are queued", async () => {
    const sentAll = deferred();
    const server = await start(
      async (_scope, receive, send) => {
        await receive();
        await send({ type: "websocket.accept" });
        const chunk = new Uint8Array(256 * 1024);
        for (let i = 0; i < 256; i++) await send({ type: "websocket.send", bytes: chunk });
        sentAll.resolve();
        await receive();
      },
      { maxBufferedBytes: 64 * 1024 },
    );
    const client = await connect(server.wsUrl);
    client.ws.pause();
    await within(sentAll.promise);
    client.ws.resume();
    expect((await within(client.closed, 10_000)).code).toBe(1013);
    expect(server.logger.has("warn", "too slow")).toBe(true);
    // Not everything was sent: the server stopped queueing for the slow client.
    expect(client.messages.length).toBeLessThan(256);
  });

  it("a reading client gets a burst far larger than maxBufferedBytes sent in one turn, unclosed", async () => {
    const chunks = 64;
    const server = await start(
      async (_scope, receive, send) => {
        await receive();
        await send({ type: "websocket.accept" });
        // Each send resolves at once: the whole burst is sent within one event-loop turn.
        const chunk = new Uint8Array(64 * 1024);
        for (let i = 0; i < chunks; i++) await send({ type: "websocket.send", bytes: chunk });
        await receive();
      },
      { maxBufferedBytes: 1024 * 1024 },
    );
    const client = await connect(server.wsUrl);
    const messages = await client.received(chunks);
    expect(messages).toHaveLength(chunks);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(server.logger.has("warn", "too slow")).toBe(false);
    client.ws.close();
  });

  it("pings idle clients, which stay connected while they answer", async () => {
    const server = await start(echoApp(), { pingIntervalMs: 40, pingTimeoutMs: 5_000 });
    const client = await connect(server.wsUrl);
    await client.pinged(3);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.ws.send("still here");
    expect(await client.text(0)).toBe("still here");
    client.ws.close();
  });

  it("drops a client that does not answer pings: the app gets 1006", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec), { pingIntervalMs: 40, pingTimeoutMs: 80 });
    const client = await connect(server.wsUrl, undefined, { autoPong: false });
    expect((await client.closed).code).toBe(1006);
    expect(await rec.event("websocket.disconnect")).toMatchObject({ code: 1006 });
  });

  it("SV-07: httpTimeoutMs does not close an idle WebSocket", async () => {
    const server = await start(echoApp(), { httpTimeoutMs: 20 });
    const client = await connect(server.wsUrl);
    // Several sweeps of the HTTP timeout must pass: this wait is the condition under test.
    await new Promise((resolve) => setTimeout(resolve, 200));
    client.ws.send("ping");
    expect(await client.text(0)).toBe("ping");
    client.ws.close();
  });

  it("an app still running applicationCloseTimeoutMs after disconnect is cancelled", async () => {
    const rec = new Recorder();
    const server = await start(
      async (_scope, receive, send) => {
        await receive();
        await send({ type: "websocket.accept" });
        rec.record(await receive());
        try {
          await receive(); // never comes: the client is gone
        } catch (error) {
          rec.fail(error);
          await send({ type: "websocket.send", text: "x" }).catch((e: unknown) => rec.fail(e));
          throw error;
        }
      },
      { applicationCloseTimeoutMs: 50 },
    );
    const client = await connect(`${server.wsUrl}/stuck/`);
    client.ws.close();
    await rec.until(() => rec.errors.length === 2, "cancellation");
    expect(rec.errors[0]).toBeInstanceOf(CancelledError);
    expect(rec.errors[1]).toBeInstanceOf(CancelledError);
    expect(server.logger.has("warn", "cancelling")).toBe(true);
    // The cancelled app ending with CancelledError is not an application error.
    expect(server.logger.lines.filter((l) => l.level === "error")).toEqual([]);
  });
});
