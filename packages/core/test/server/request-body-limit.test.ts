// maxRequestBodyBytes: a body over it is answered 413 as soon as its declared length or the bytes
// received pass it, without reading the rest, over HTTP/1.1 and HTTP/2 alike; an application that
// streams its body lifts it; an answer that does not read the body does not wait for it.
import { connect as connectHttp2 } from "node:http2";
import { connect as connectTcp } from "node:net";
import { describe, expect, it } from "vitest";
import { RouteNotFound } from "../../src/exceptions";
import type { Application, HttpScope } from "../../src/protocol/types";
import { setRequestBodyLimit } from "../../src/server/index";
import { TRANSPORTS, type Transport, transportOptions } from "./frame-client";
import { Recorder, start, within } from "./helpers";

/** Reads the body to its end and answers with its length; `/stream/` lifts the limit first. */
function bodyCounter(rec: Recorder): Application {
  return async (scope, receive, send) => {
    if (scope.type !== "http") return;
    if (scope.path === "/missing/") throw new RouteNotFound("no route");
    if (scope.path === "/stream/") setRequestBodyLimit(scope as HttpScope, null);
    let total = 0;
    for (;;) {
      const event = await receive();
      rec.record(event);
      if (event.type === "http.disconnect") return;
      if (event.type !== "http.request") continue;
      total += event.body?.length ?? 0;
      if (!event.more_body) break;
    }
    await send({ type: "http.response.start", status: 200, headers: [] });
    await send({ type: "http.response.body", body: new TextEncoder().encode(String(total)) });
  };
}

interface Answer {
  status: number;
  body: string;
}

/**
 * Sends the head of a POST (with `length` as Content-Length, or chunked / no length when null),
 * then `chunks`, and never ends the body unless `end`; resolves with the answer.
 */
function post(
  transport: Transport,
  port: number,
  path: string,
  length: number | null,
  chunks: Buffer[],
  end = false,
): Promise<Answer> {
  if (transport === "HTTP/1.1") {
    return within(
      new Promise<Answer>((resolve, reject) => {
        const socket = connectTcp(port, "127.0.0.1");
        socket.on("error", () => {});
        const framing = length === null ? "Transfer-Encoding: chunked" : `Content-Length: ${length}`;
        socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${framing}\r\n\r\n`);
        for (const chunk of chunks) {
          if (length === null) socket.write(`${chunk.length.toString(16)}\r\n`);
          socket.write(chunk);
          if (length === null) socket.write("\r\n");
        }
        if (end && length === null) socket.write("0\r\n\r\n");
        let got = "";
        socket.on("data", (data: Buffer) => {
          got += data.toString("latin1");
          const head = got.indexOf("\r\n\r\n");
          if (head === -1) return;
          const lengthMatch = /content-length: (\d+)/i.exec(got.slice(0, head));
          const bodyLength = lengthMatch ? Number(lengthMatch[1]) : 0;
          if (got.length < head + 4 + bodyLength) return;
          socket.destroy();
          resolve({ status: Number(got.split(" ")[1]), body: got.slice(head + 4, head + 4 + bodyLength) });
        });
        socket.once("close", () => reject(new Error(`connection closed before an answer: ${got}`)));
      }),
    );
  }
  return within(
    new Promise<Answer>((resolve, reject) => {
      const session = connectHttp2(`http://127.0.0.1:${port}`);
      session.on("error", () => {});
      const headers: Record<string, string> = { ":method": "POST", ":path": path };
      if (length !== null) headers["content-length"] = String(length);
      const stream = session.request(headers, { endStream: false });
      stream.on("error", () => {});
      for (const chunk of chunks) stream.write(chunk);
      if (end) stream.end();
      let status = 0;
      const body: Buffer[] = [];
      stream.once("response", (h) => {
        status = Number(h[":status"]);
      });
      stream.on("data", (chunk: Buffer) => body.push(chunk));
      stream.once("close", () => {
        if (status === 0) reject(new Error(`stream closed before an answer (${stream.rstCode})`));
        else resolve({ status, body: Buffer.concat(body).toString() });
        session.destroy();
      });
    }),
  );
}

describe.each(TRANSPORTS)("maxRequestBodyBytes over %s", (transport) => {
  const options = { ...transportOptions(transport), maxRequestBodyBytes: 1024 };

  it("a declared length over the limit gets 413 before any of the body is sent; the app gets http.disconnect", async () => {
    const rec = new Recorder();
    const server = await start(bodyCounter(rec), options);
    const answer = await post(transport, server.port, "/upload/", 1_000_000_000, []);
    expect(answer.status).toBe(413);
    expect(answer.body).toContain("1024");
    expect(await rec.event("http.disconnect")).toBeDefined();
    expect(rec.events.filter((e) => e.type === "http.request")).toEqual([]);
  });

  it("a body without a declared length gets 413 once the bytes received pass the limit", async () => {
    const rec = new Recorder();
    const server = await start(bodyCounter(rec), options);
    const chunk = Buffer.alloc(512, 0x61);
    // Never ended: the answer cannot wait for the end of the body.
    const answer = await post(transport, server.port, "/upload/", null, [chunk, chunk, chunk]);
    expect(answer.status).toBe(413);
    expect(await rec.event("http.disconnect")).toBeDefined();
  });

  it("a body within the limit is delivered whole", async () => {
    const server = await start(bodyCounter(new Recorder()), options);
    const answer = await post(transport, server.port, "/upload/", 1024, [Buffer.alloc(1024, 0x61)], true);
    expect(answer).toEqual({ status: 200, body: "1024" });
  });

  it("an application that streams its body lifts the limit with setRequestBodyLimit(scope, null)", async () => {
    const server = await start(bodyCounter(new Recorder()), options);
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(1024, 0x61));
    const answer = await post(transport, server.port, "/stream/", 8 * 1024, chunks, true);
    expect(answer).toEqual({ status: 200, body: "8192" });
  });

  it("an answer that does not read the body (404) does not wait for it", async () => {
    const server = await start(bodyCounter(new Recorder()), options);
    const answer = await post(transport, server.port, "/missing/", 1_000_000_000, [Buffer.alloc(16)]);
    expect(answer.status).toBe(404);
  });
});
