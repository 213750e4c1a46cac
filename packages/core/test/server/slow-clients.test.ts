// Slowloris and oversized heads: headersTimeoutMs and requestTimeoutMs answer 408, maxHeaderBytes
// 431, as Node's own server would; all three are serve() options and CLI flags.
import { connect as connectHttp2, constants } from "node:http2";
import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Application } from "../../src/protocol/types";
import { serve } from "../../src/server/index";
import { Recorder, start, within } from "./helpers";
import { type Certificate, makeCertificate } from "./tls-helpers";

/** Writes `bytes` once `socket` is `ready`, never more; resolves with the status line's code. */
function firstStatus(socket: Socket, ready: "connect" | "secureConnect", bytes: string): Promise<number> {
  return within(
    new Promise<number>((resolve, reject) => {
      socket.on("error", () => {});
      socket.once(ready, () => socket.write(bytes));
      let got = "";
      socket.on("data", (data: Buffer) => {
        got += data.toString("latin1");
        if (!got.includes("\r\n")) return;
        socket.destroy();
        resolve(Number(got.split(" ")[1]));
      });
      socket.once("close", () => reject(new Error(`closed without an answer: ${got}`)));
    }),
  );
}

/** Writes `bytes` on a new connection, never more; resolves with the status line's code. */
function statusOf(port: number, bytes: string): Promise<number> {
  return firstStatus(connectTcp(port, "127.0.0.1"), "connect", bytes);
}

/** The same over TLS, as HTTP/1.1 by ALPN (on the port that serves HTTP/2 too). */
function statusOverTls(port: number, bytes: string): Promise<number> {
  const socket = connectTls({
    port,
    host: "127.0.0.1",
    rejectUnauthorized: false,
    ALPNProtocols: ["http/1.1"],
  });
  return firstStatus(socket, "secureConnect", bytes);
}

function reader(rec: Recorder): Application {
  return async (scope, receive, send) => {
    if (scope.type !== "http") return;
    for (;;) {
      const event = await receive();
      rec.record(event);
      if (event.type === "http.disconnect") return;
      if (event.type === "http.request" && !event.more_body) break;
    }
    await send({ type: "http.response.start", status: 200, headers: [] });
    await send({ type: "http.response.body", body: new TextEncoder().encode("ok") });
  };
}

describe("slow and oversized requests over HTTP/1.1", () => {
  it("a client still sending its headers after headersTimeoutMs gets 408", async () => {
    const rec = new Recorder();
    const server = await start(reader(rec), { headersTimeoutMs: 100, requestTimeoutMs: 10_000 });
    // One header line, never the blank line that ends the head: what a slowloris client does.
    expect(await statusOf(server.port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")).toBe(408);
    expect(rec.scopes).toEqual([]);
  });

  it("a client still sending its body after requestTimeoutMs gets 408, and the app http.disconnect", async () => {
    const rec = new Recorder();
    const server = await start(reader(rec), { headersTimeoutMs: 100, requestTimeoutMs: 100 });
    const status = statusOf(
      server.port,
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nhalf!",
    );
    expect(await status).toBe(408);
    expect(await rec.event("http.disconnect")).toBeDefined();
  });

  it("headers larger than maxHeaderBytes get 431", async () => {
    const server = await start(reader(new Recorder()), { maxHeaderBytes: 1024 });
    const big = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"a".repeat(2048)}\r\n\r\n`;
    expect(await statusOf(server.port, big)).toBe(431);
    // Within the limit, the same request is served.
    const small = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    expect(await statusOf(server.port, small)).toBe(200);
  });

  it("refuses headersTimeoutMs longer than requestTimeoutMs, naming both", async () => {
    await expect(
      serve(reader(new Recorder()), {
        port: 0,
        logger: null,
        headersTimeoutMs: 2_000,
        requestTimeoutMs: 1_000,
      }),
    ).rejects.toThrow(/headersTimeoutMs.*requestTimeoutMs/);
  });
});

describe("slow and oversized HTTP/1.1 requests on the HTTP/2 port (allowHTTP1)", () => {
  let certificate: Certificate;
  beforeAll(() => {
    certificate = makeCertificate();
  });
  afterAll(() => certificate.remove());

  it("gets 408 for slow headers and 431 for large ones, as on a plain HTTP/1.1 server", async () => {
    const server = await start(reader(new Recorder()), {
      tls: { key: certificate.key, cert: certificate.cert },
      http2: true,
      headersTimeoutMs: 100,
      requestTimeoutMs: 10_000,
      maxHeaderBytes: 1024,
    });
    expect(await statusOverTls(server.port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")).toBe(408);
    const big = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"a".repeat(2048)}\r\n\r\n`;
    expect(await statusOverTls(server.port, big)).toBe(431);
  });
});

describe("slow and oversized requests over HTTP/2", () => {
  it("a body still incomplete after requestTimeoutMs gets 408 and a reset stream; the app gets http.disconnect", async () => {
    const rec = new Recorder();
    const server = await start(reader(rec), { http2: "h2c", headersTimeoutMs: 100, requestTimeoutMs: 100 });
    const session = connectHttp2(`http://127.0.0.1:${server.port}`);
    session.on("error", () => {});
    const stream = session.request(
      { ":method": "POST", ":path": "/", "content-length": "10" },
      { endStream: false },
    );
    stream.on("error", () => {});
    stream.write("half!");
    const status = await within(
      new Promise<number>((resolve) =>
        stream.once("response", (headers) => resolve(Number(headers[":status"]))),
      ),
    );
    expect(status).toBe(408);
    expect(await rec.event("http.disconnect")).toBeDefined();
    session.destroy();
  });

  it("a body complete within requestTimeoutMs is served", async () => {
    const rec = new Recorder();
    const server = await start(reader(rec), { http2: "h2c", headersTimeoutMs: 50, requestTimeoutMs: 50 });
    const session = connectHttp2(`http://127.0.0.1:${server.port}`);
    session.on("error", () => {});
    const stream = session.request({ ":method": "POST", ":path": "/", "content-length": "2" });
    stream.on("error", () => {});
    stream.end("ok");
    const status = await within(
      new Promise<number>((resolve) =>
        stream.once("response", (headers) => resolve(Number(headers[":status"]))),
      ),
    );
    expect(status).toBe(200);
    session.destroy();
  });

  it("announces maxHeaderBytes as SETTINGS_MAX_HEADER_LIST_SIZE; a larger header list is reset, unseen by the app", async () => {
    const rec = new Recorder();
    const server = await start(reader(rec), { http2: "h2c", maxHeaderBytes: 1024 });
    const session = connectHttp2(`http://127.0.0.1:${server.port}`);
    session.on("error", () => {});
    await within(new Promise((resolve) => session.once("remoteSettings", resolve)));
    expect(session.remoteSettings.maxHeaderListSize).toBe(1024);
    const stream = session.request({ ":path": "/", "x-big": "a".repeat(2048) });
    stream.on("error", () => {});
    const outcome = await within(
      new Promise<string>((resolve) => {
        stream.once("response", (headers) => resolve(`status ${String(headers[":status"])}`));
        stream.once("close", () => resolve(`reset ${stream.rstCode}`));
      }),
    );
    expect(outcome).toBe(`reset ${constants.NGHTTP2_ENHANCE_YOUR_CALM}`);
    expect(rec.scopes).toEqual([]);
    session.destroy();
  });
});
