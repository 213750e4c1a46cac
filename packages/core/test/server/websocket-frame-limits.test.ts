// Every frame limit ws applies to a WebSocket over HTTP/1.1 applies over HTTP/2 (RFC 8441) too,
// with the same close code for the client and the application: each test runs on both.
import { describe, expect, it } from "vitest";
import type { Application } from "../../src/protocol/types";
import { frame, openFrameClient, TRANSPORTS, transportOptions } from "./frame-client";
import { deferred, echoApp, Recorder, start, within } from "./helpers";

const closeCode = (code: number) => {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code, 0);
  return payload;
};

describe.each(TRANSPORTS)("WebSocket frame limits over %s", (transport) => {
  it("a ping flood is cut off: far fewer pongs than pings, the connection dropped (1006 for the app)", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec), transportOptions(transport));
    const client = await openFrameClient(transport, server.port);
    // 1,000 pings in one write: ws answers at most 60 before their writes complete, then drops the client.
    client.write(Buffer.concat(Array.from({ length: 1_000 }, () => frame(0x9))));
    expect((await within(client.closed)).code).toBe(1006);
    await within(client.ended);
    expect(client.pongs).toBeLessThan(1_000);
    expect(await rec.event("websocket.disconnect")).toMatchObject({ code: 1006 });
  });

  it("a message in too many fragments closes with 1008, which the app sees too", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec), transportOptions(transport));
    const client = await openFrameClient(transport, server.port);
    // ws allows 16,384 fragments per message; one byte each stays far under maxMessageBytes.
    const fragments = [frame(0x1, Buffer.from("x"), { fin: false })];
    for (let i = 0; i < 16_384; i++) fragments.push(frame(0x0, Buffer.from("x"), { fin: false }));
    client.write(Buffer.concat(fragments));
    expect((await within(client.closed)).code).toBe(1008);
    expect(await rec.event("websocket.disconnect")).toMatchObject({ code: 1008 });
  });

  it("a message larger than maxMessageBytes closes with 1009, which the app sees too", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec), { ...transportOptions(transport), maxMessageBytes: 16 });
    const client = await openFrameClient(transport, server.port);
    client.write(frame(0x1, Buffer.from("x".repeat(17))));
    expect((await within(client.closed)).code).toBe(1009);
    expect(await rec.event("websocket.disconnect")).toMatchObject({ code: 1009 });
  });

  it("invalid UTF-8 in a text frame closes with 1007, which the app sees too", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec), transportOptions(transport));
    const client = await openFrameClient(transport, server.port);
    client.write(frame(0x1, Buffer.from([0xff, 0xfe])));
    expect((await within(client.closed)).code).toBe(1007);
    expect(await rec.event("websocket.disconnect")).toMatchObject({ code: 1007 });
  });

  it("an unmasked client frame closes with 1002, which the app sees too", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec), transportOptions(transport));
    const client = await openFrameClient(transport, server.port);
    client.write(frame(0x1, Buffer.from("hi"), { masked: false }));
    expect((await within(client.closed)).code).toBe(1002);
    expect(await rec.event("websocket.disconnect")).toMatchObject({ code: 1002 });
  });

  it("a client that does not read gets 1013 once maxBufferedBytes are queued, and sees that close frame", async () => {
    const sentAll = deferred();
    const app: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: "websocket.accept" });
      const chunk = new Uint8Array(256 * 1024);
      for (let i = 0; i < 256; i++) await send({ type: "websocket.send", bytes: chunk });
      sentAll.resolve();
      await receive();
    };
    const server = await start(app, { ...transportOptions(transport), maxBufferedBytes: 64 * 1024 });
    const client = await openFrameClient(transport, server.port);
    client.duplex.pause();
    await within(sentAll.promise);
    // The server closed the slow client; its stream or socket must stay until the client read the close frame.
    client.duplex.resume();
    expect((await within(client.closed, 10_000)).code).toBe(1013);
    expect(server.logger.has("warn", "too slow")).toBe(true);
    expect(client.messages.length).toBeLessThan(256);
  });

  it("the client's close frame is answered and reaches the app with its code", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec), transportOptions(transport));
    const client = await openFrameClient(transport, server.port);
    client.write(frame(0x8, closeCode(4001)));
    expect((await within(client.closed)).code).toBe(4001);
    expect(await rec.event("websocket.disconnect")).toMatchObject({ code: 4001 });
    await within(client.ended);
  });
});
