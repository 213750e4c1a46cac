import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { http1Denial, rawPlainResponse } from "./responses";

function written(): { socket: PassThrough; text: () => string } {
  const socket = new PassThrough();
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  return { socket, text: () => Buffer.concat(chunks).toString() };
}

describe("responses the server writes itself", () => {
  it("a raw plain response closes the connection and states its length", () => {
    expect(rawPlainResponse(400, "")).toBe(
      "HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
    );
    expect(rawPlainResponse(403, "Access denied", { "x-why": "closed" })).toBe(
      "HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 13\r\nx-why: closed\r\n\r\nAccess denied",
    );
  });

  it("an HTTP/1.1 denial in one piece gets a content-length", async () => {
    const { socket, text } = written();
    http1Denial(socket, 401, ["www-authenticate", "Bearer"], false).write(Buffer.from("no"), false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(text()).toBe(
      "HTTP/1.1 401 Unauthorized\r\nconnection: close\r\nwww-authenticate: Bearer\r\ncontent-length: 2\r\n\r\nno",
    );
  });

  it("an HTTP/1.1 denial in several pieces is chunked, unless the application framed it", async () => {
    const chunked = written();
    const denial = http1Denial(chunked.socket, 429, [], false);
    denial.write(Buffer.from("slow"), true);
    denial.write(Buffer.from(" down"), false);
    const framed = written();
    const own = http1Denial(framed.socket, 429, ["content-length", "9"], true);
    own.write(Buffer.from("slow"), true);
    own.write(Buffer.from(" down"), false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunked.text()).toBe(
      "HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n4\r\nslow\r\n5\r\n down\r\n0\r\n\r\n",
    );
    expect(framed.text()).toBe(
      "HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\ncontent-length: 9\r\n\r\nslow down",
    );
  });
});
