import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { CancelledError } from "../../src/exceptions";
import type { Application, HttpRequestEvent, SendEvent } from "../../src/protocol/types";
import { deferred, Recorder, RecordingLogger, rawRequest, start, within } from "./helpers";

const encode = (text: string) => new TextEncoder().encode(text);

/** Reads the whole request body, then answers `status` with `text`. */
function replyApp(
  rec: Recorder,
  reply: (body: Buffer) => string = (body) => `got ${body.length}`,
): Application {
  return async (scope, receive, send) => {
    rec.scopes.push(scope);
    const chunks: Buffer[] = [];
    for (;;) {
      const event = (await receive()) as HttpRequestEvent;
      rec.record(event);
      chunks.push(Buffer.from(event.body ?? new Uint8Array()));
      if (!event.more_body) break;
    }
    await send({ type: "http.response.start", status: 200, headers: [["content-type", "text/plain"]] });
    await send({ type: "http.response.body", body: encode(reply(Buffer.concat(chunks))) });
    rec.record(await receive());
  };
}

describe("HTTP requests", () => {
  it("builds the full HTTP scope and answers with a content-length", async () => {
    const rec = new Recorder();
    const server = await start(replyApp(rec), { rootPath: "/app" });
    const response = await fetch(`${server.url}/app/a%20b/?x=1&y=%20`, { headers: { "X-Ok": "2" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("5");
    expect(await response.text()).toBe("got 0");
    const scope = rec.scopes[0] as Record<string, unknown>;
    expect(scope).toMatchObject({
      type: "http",
      asgi: { version: "3.0", spec_version: "2.5" },
      http_version: "1.1",
      method: "GET",
      scheme: "http",
      path: "/app/a b/",
      raw_path: "/app/a%20b/",
      query_string: "x=1&y=%20",
      root_path: "/app",
      server: ["127.0.0.1", server.port],
    });
    expect(scope.client).toEqual(["127.0.0.1", expect.any(Number)]);
    expect(scope.headers).toContainEqual(["x-ok", "2"]);
    // The one extension: the request-body limit, which an application that streams its body may lift.
    expect(scope.extensions).toEqual({ "channels.body_limit": { max_bytes: 2_621_440 } });
    expect(server.logger.has("info", '"GET /app/a%20b/?x=1&y=%20 HTTP/1.1" 200 5')).toBe(true);
  });

  it("SV-10: header names with _ are dropped", async () => {
    const rec = new Recorder();
    const server = await start(replyApp(rec));
    await rawRequest(server.url, { headers: { X_Under: "1", "X-Ok": "2" } });
    const headers = (rec.scopes[0] as { headers: Array<[string, string]> }).headers;
    expect(headers).toContainEqual(["x-ok", "2"]);
    expect(headers.some(([name]) => name.includes("_"))).toBe(false);
  });

  it("proxy headers set client and scheme", async () => {
    const rec = new Recorder();
    const server = await start(replyApp(rec), { proxyHeaders: true });
    await rawRequest(server.url, {
      headers: { "X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https" },
    });
    expect(rec.scopes[0]).toMatchObject({ client: ["10.1.2.3", 0], scheme: "https" });
  });

  it("SV-12: a body of exactly 8192 bytes ends with more_body false; after the response, receive() gives http.disconnect", async () => {
    const rec = new Recorder();
    const server = await start(replyApp(rec));
    const body = Buffer.alloc(8192, 7);
    const response = await rawRequest(server.url, { method: "POST", body });
    expect(response.body.toString()).toBe("got 8192");
    await rec.event("http.disconnect");
    const requests = rec.events.filter((e) => e.type === "http.request") as HttpRequestEvent[];
    expect(requests.at(-1)?.more_body).toBe(false);
    expect(requests.slice(0, -1).every((e) => e.more_body === true)).toBe(true);
    expect(rec.events.at(-1)).toEqual({ type: "http.disconnect" });
  });

  it("streams a large request body in chunks, never whole", async () => {
    const rec = new Recorder();
    const size = 1024 * 1024;
    const server = await start(
      replyApp(rec, (body) => `${body.length}:${body.every((b, i) => b === i % 251)}`),
    );
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = i % 251;
    const response = await rawRequest(server.url, { method: "POST", body });
    expect(response.body.toString()).toBe(`${size}:true`);
    const chunks = rec.events.filter((e) => e.type === "http.request") as HttpRequestEvent[];
    expect(chunks.length).toBeGreaterThan(1);
    expect(Math.max(...chunks.map((c) => c.body?.length ?? 0))).toBeLessThan(size);
  });

  it("streams a chunked request body (no content-length), ending with an empty more_body false", async () => {
    const rec = new Recorder();
    const server = await start(replyApp(rec, (body) => body.toString()));
    const response = await within(
      new Promise<string>((resolve, reject) => {
        const req = request(`${server.url}/`, { method: "POST" }, (res) => {
          let text = "";
          res.on("data", (c) => {
            text += c;
          });
          res.on("end", () => resolve(text));
        });
        req.on("error", reject);
        req.write("part one,");
        req.end("part two");
      }),
    );
    expect(response).toBe("part one,part two");
    const requests = rec.events.filter((e) => e.type === "http.request") as HttpRequestEvent[];
    expect(requests.at(-1)).toMatchObject({ more_body: false });
    expect(requests.slice(0, -1).every((e) => e.more_body === true)).toBe(true);
  });

  it("streams the response with chunked encoding, chunk by chunk", async () => {
    const secondAllowed = deferred();
    const server = await start(async (_scope, receive, send) => {
      await receive();
      await send({ type: "http.response.start", status: 200 });
      await send({ type: "http.response.body", body: encode("first;"), more_body: true });
      await secondAllowed.promise;
      await send({ type: "http.response.body", body: encode("second"), more_body: true });
      await send({ type: "http.response.body" });
    });
    const response = await fetch(server.url);
    expect(response.headers.get("transfer-encoding")).toBe("chunked");
    expect(response.headers.get("content-length")).toBeNull();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await within(reader.read());
    // The first chunk arrived while the app still holds the second: nothing was buffered whole.
    expect(new TextDecoder().decode(first.value)).toBe("first;");
    secondAllowed.resolve();
    let rest = "";
    for (let i = 0; i < 10; i++) {
      const { done, value } = await within(reader.read());
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe("second");
  });

  it("applies backpressure: send() waits while the client does not read", async () => {
    const blocked = deferred();
    const finished = deferred<number>();
    const chunk = new Uint8Array(256 * 1024);
    const count = 64;
    const server = await start(async (_scope, receive, send) => {
      await receive();
      await send({ type: "http.response.start", status: 200 });
      let waited = 0;
      for (let i = 0; i < count; i++) {
        let settled = false;
        const sent = send({ type: "http.response.body", body: chunk, more_body: true }).then(() => {
          settled = true;
        });
        await Promise.resolve();
        if (!settled) {
          waited++;
          blocked.resolve();
        }
        await sent;
      }
      await send({ type: "http.response.body" });
      finished.resolve(waited);
    });
    const total = await within(
      new Promise<number>((resolve, reject) => {
        request(server.url, (res) => {
          res.pause();
          let bytes = 0;
          res.on("data", (c: Buffer) => {
            bytes += c.length;
          });
          res.on("end", () => resolve(bytes));
          blocked.promise.then(() => res.resume());
        })
          .on("error", reject)
          .end();
      }),
      10_000,
    );
    expect(total).toBe(count * chunk.length);
    expect(await within(finished.promise)).toBeGreaterThan(0);
  });

  it("an exception before the response answers 500 and is logged with the path; the server keeps serving", async () => {
    const server = await start(async (scope, receive, send) => {
      await receive();
      if ((scope as { path: string }).path === "/boom/") throw new Error("kaboom");
      await send({ type: "http.response.start", status: 204 });
      await send({ type: "http.response.body" });
    });
    const response = await fetch(`${server.url}/boom/`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("Internal Server Error");
    // The access log counts the bytes the server's own response sent (21), not 0.
    await server.logger.waitFor("info", '"GET /boom/ HTTP/1.1" 500 21');
    const error = server.logger.lines.find((l) => l.level === "error");
    expect(error?.message).toContain("/boom/");
    expect(String(error?.error)).toContain("kaboom");
    expect((await fetch(`${server.url}/fine/`)).status).toBe(204);
  });

  it("an exception in the middle of a streamed response cuts the connection", async () => {
    const server = await start(async (_scope, receive, send) => {
      await receive();
      await send({ type: "http.response.start", status: 200 });
      await send({ type: "http.response.body", body: encode("partial"), more_body: true });
      throw new Error("midway");
    });
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect(server.logger.has("error", "Exception inside application (GET /)")).toBe(true);
  });

  it("an app that returns without responding gets a 500", async () => {
    const server = await start(async (_scope, receive) => {
      await receive();
    });
    expect((await fetch(server.url)).status).toBe(500);
    expect(server.logger.has("error", "without sending a response")).toBe(true);
  });

  it("invalid events reject send() with what to send instead", async () => {
    const errors: string[] = [];
    const server = await start(async (_scope, receive, send) => {
      await receive();
      const attempt = (event: unknown) =>
        send(event as SendEvent).catch((e: unknown) => {
          errors.push(String(e));
        });
      await attempt({ type: "http.response.body", body: encode("x") });
      await attempt({ type: "http.response.start", status: "200" });
      await attempt({ type: "http.response.start", status: 200, headers: [["x", 1]] });
      await attempt({ type: "websocket.accept" });
      await send({ type: "http.response.start", status: 200 });
      await attempt({ type: "http.response.start", status: 200 });
      await attempt({ type: "http.response.body", body: "a string" });
      await send({ type: "http.response.body", body: encode("ok") });
      // After the response is complete, more sends are ignored.
      await send({ type: "http.response.body", body: encode("ignored") });
    });
    expect(await (await fetch(server.url)).text()).toBe("ok");
    expect(errors).toHaveLength(6);
    expect(errors[0]).toMatch(/Send http.response.start before http.response.body/);
    expect(errors[1]).toMatch(/integer HTTP status/);
    expect(errors[2]).toMatch(/pairs of strings/);
    expect(errors[3]).toMatch(/Cannot send "websocket.accept" on an HTTP connection/);
    expect(errors[4]).toMatch(/already been started/);
    expect(errors[5]).toMatch(/TextEncoder/);
  });

  it("httpTimeoutMs answers 503 when no response started in time; the app then sees http.disconnect", async () => {
    const rec = new Recorder();
    const server = await start(
      async (_scope, receive) => {
        rec.record(await receive());
        rec.record(await receive());
      },
      { httpTimeoutMs: 50 },
    );
    const response = await fetch(server.url);
    expect(response.status).toBe(503);
    expect(await response.text()).toBe("Application failed to respond within time limit.");
    expect(await rec.event("http.disconnect")).toEqual({ type: "http.disconnect" });
  });

  it("a client that goes away mid-body gives the app http.disconnect; a stuck app is cancelled later", async () => {
    const rec = new Recorder();
    const firstChunk = deferred();
    const server = await start(
      async (_scope, receive, send) => {
        for (;;) {
          const event = await receive();
          rec.record(event);
          if (event.type === "http.request") firstChunk.resolve();
          if (event.type === "http.disconnect") break;
        }
        // Stuck on something else until the server gives up on it, then touches send().
        await server.logger.waitFor("warn", "cancelling");
        await send({ type: "http.response.start", status: 200 }).catch((e: unknown) => rec.fail(e));
      },
      { applicationCloseTimeoutMs: 50 },
    );
    const req = request(server.url, { method: "POST", headers: { "content-length": "100000" } });
    req.on("error", () => {});
    req.write(Buffer.alloc(1000));
    await within(firstChunk.promise);
    req.destroy();
    await rec.event("http.disconnect");
    await rec.until(() => rec.errors.length === 1, "cancellation");
    expect(rec.errors[0]).toBeInstanceOf(CancelledError);
  });

  it("answers 400 to a path with malformed escapes, without calling the app", async () => {
    let calls = 0;
    const server = await start(async () => {
      calls++;
    });
    const response = await rawRequest(`${server.url}/bad%zz/`);
    expect(response.status).toBe(400);
    expect(calls).toBe(0);
  });

  it("keep-alive connections carry several requests", async () => {
    const rec = new Recorder();
    const server = await start(replyApp(rec));
    for (let i = 0; i < 5; i++) expect(await (await fetch(`${server.url}/${i}`)).text()).toBe("got 0");
    expect(rec.scopes.map((s) => (s as { path: string }).path)).toEqual(["/0", "/1", "/2", "/3", "/4"]);
  });
});

describe("loggers", () => {
  it("logger: null is silent, a custom logger gets access lines", async () => {
    const logger = new RecordingLogger();
    const rec = new Recorder();
    const server = await start(replyApp(rec), { logger });
    await fetch(server.url);
    expect(logger.lines.some((l) => l.level === "info" && l.message.includes('"GET / HTTP/1.1" 200'))).toBe(
      true,
    );
  });
});
