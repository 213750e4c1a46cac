// What a client sees once a graceful shutdown began, as docs/topics/server.md says: new
// connections are refused; open ones finish what is in progress and take nothing new.
import { connect as connectHttp2 } from "node:http2";
import { connect as connectTcp } from "node:net";
import { describe, expect, it } from "vitest";
import type { Application } from "../../src/protocol/types";
import { deferred, start, within } from "./helpers";

/** `/hold/` answers once `release` resolves; anything else at once. */
function holdingApp(held: () => void, release: Promise<void>): Application {
  return async (scope, receive, send) => {
    if (scope.type !== "http") return;
    await receive();
    if (scope.path === "/hold/") {
      held();
      await release;
    }
    await send({ type: "http.response.start", status: 200, headers: [] });
    await send({ type: "http.response.body", body: new TextEncoder().encode(scope.path) });
  };
}

function connectionRefused(port: number): Promise<string> {
  return within(
    new Promise<string>((resolve) => {
      const socket = connectTcp(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.once("error", (error: Error & { code?: string }) => resolve(error.code ?? "error"));
    }),
  );
}

describe("requests during shutdown", () => {
  it("HTTP/1.1: a new connection is refused; an open one finishes the request in progress and serves no other", async () => {
    const held = deferred();
    const release = deferred();
    const server = await start(holdingApp(held.resolve, release.promise));
    const socket = connectTcp(server.port, "127.0.0.1");
    socket.on("error", () => {});
    let got = "";
    socket.on("data", (data: Buffer) => {
      got += data.toString("latin1");
    });
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    // Two pipelined requests: the second would be read once the first is answered, after shutdown began.
    socket.write("GET /hold/ HTTP/1.1\r\nHost: x\r\n\r\nGET /next/ HTTP/1.1\r\nHost: x\r\n\r\n");
    await within(held.promise);
    const closing = server.close();
    expect(await connectionRefused(server.port)).toBe("ECONNREFUSED");
    release.resolve();
    await within(closed);
    await closing;
    // The request in progress is answered; the one behind it never reaches the application: it
    // gets 503, or the connection closes first.
    const statuses = [...got.matchAll(/^HTTP\/1\.1 (\d+)/gm)].map((m) => Number(m[1]));
    expect(statuses[0]).toBe(200);
    expect(statuses.slice(1).every((status) => status === 503)).toBe(true);
    expect(got).not.toContain("/next/");
  });

  it("HTTP/2: a new connection is refused; the open session gets GOAWAY and its open stream finishes", async () => {
    const held = deferred();
    const release = deferred();
    const server = await start(holdingApp(held.resolve, release.promise), { http2: "h2c" });
    const session = connectHttp2(`http://127.0.0.1:${server.port}`);
    session.on("error", () => {});
    const goaway = new Promise<void>((resolve) => session.once("goaway", () => resolve()));
    const stream = session.request({ ":path": "/hold/" });
    stream.on("error", () => {});
    const answer = new Promise<number>((resolve) =>
      stream.once("response", (headers) => resolve(Number(headers[":status"]))),
    );
    await within(held.promise);
    const closing = server.close();
    await within(goaway);
    expect(await connectionRefused(server.port)).toBe("ECONNREFUSED");
    release.resolve();
    expect(await within(answer)).toBe(200);
    await closing;
    session.destroy();
  });
});
