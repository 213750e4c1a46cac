// AsyncJsonWebsocketConsumer, ported from Django Channels' JSON consumer tests.
import { describe, expect, it } from "vitest";
import { InvalidFrameError } from "../exceptions";
import { WebsocketCommunicator } from "../testing/websocket-communicator";
import { AsyncJsonWebsocketConsumer } from "./json-websocket-consumer";

function makeJsonEcho() {
  const seen: unknown[] = [];
  class JsonEcho extends AsyncJsonWebsocketConsumer {
    override async receiveJson(content: unknown) {
      seen.push(content);
      await this.sendJson(content);
    }
  }
  return { JsonEcho, seen };
}

async function crashWith(frame: { text?: string; bytes?: Uint8Array }) {
  const { JsonEcho, seen } = makeJsonEcho();
  const comm = new WebsocketCommunicator(JsonEcho.asAsgi(), "/");
  await comm.connect();
  await comm.sendInput({ type: "websocket.receive", ...frame });
  const error = await comm.wait().catch((e: unknown) => e);
  expect(seen).toEqual([]);
  return error as Error;
}

describe("AsyncJsonWebsocketConsumer", () => {
  it("JS-01 ★ / JS-03 echoes JSON: receiveJson gets the decoded object, sendJson encodes it", async () => {
    const { JsonEcho, seen } = makeJsonEcho();
    const comm = new WebsocketCommunicator(JsonEcho.asAsgi(), "/testws/");
    expect((await comm.connect()).connected).toBe(true);
    await comm.sendJsonTo({ hello: "world" });
    expect(await comm.receiveJsonFrom()).toEqual({ hello: "world" });
    expect(seen).toEqual([{ hello: "world" }]);
    await comm.disconnect();
  });

  it("encodes with JSON.stringify (no spaces), as a text frame", async () => {
    const { JsonEcho } = makeJsonEcho();
    const comm = new WebsocketCommunicator(JsonEcho.asAsgi(), "/");
    await comm.connect();
    await comm.sendTo('{"a": 1, "b": [1, 2]}');
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.send", text: '{"a":1,"b":[1,2]}' });
    await comm.disconnect();
  });

  it("JS-02 ★ a binary frame crashes the consumer with InvalidFrameError: No text section…", async () => {
    const error = await crashWith({ bytes: new Uint8Array([0x77, 0, 0, 0]) });
    expect(error).toBeInstanceOf(InvalidFrameError);
    expect(error.name).toBe("InvalidFrameError");
    expect(error.message).toBe(
      "No text section for incoming WebSocket frame! A JSON consumer takes non-empty text frames only; send binary data to an AsyncWebsocketConsumer.",
    );
  });

  it("JS-02 ★ the communicator's sendTo(bytes) is refused the same way", async () => {
    const { JsonEcho } = makeJsonEcho();
    const comm = new WebsocketCommunicator(JsonEcho.asAsgi(), "/");
    await comm.connect();
    await comm.sendTo(new Uint8Array([0x77, 0, 0, 0]));
    await expect(comm.wait()).rejects.toThrow(/No text section for incoming WebSocket frame!/);
  });

  it("JS-04 an empty text frame is refused with InvalidFrameError", async () => {
    const error = await crashWith({ text: "" });
    expect(error).toBeInstanceOf(InvalidFrameError);
    expect(error.message).toMatch(/^No text section for incoming WebSocket frame!/);
  });

  it("JS-05 invalid JSON crashes the consumer with InvalidFrameError naming the problem", async () => {
    const error = await crashWith({ text: "{bad" });
    expect(error).toBeInstanceOf(InvalidFrameError);
    expect(error.message).toMatch(/^Invalid JSON in WebSocket text frame: /);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it("JS-06 non-object JSON works both ways", async () => {
    class Wrap extends AsyncJsonWebsocketConsumer {
      override async receiveJson(content: unknown) {
        await this.sendJson({ got: content });
      }
    }
    const comm = new WebsocketCommunicator(Wrap.asAsgi(), "/");
    await comm.connect();
    await comm.sendJsonTo([1, 2]);
    expect(await comm.receiveJsonFrom()).toEqual({ got: [1, 2] });
    await comm.sendJsonTo("text");
    expect(await comm.receiveJsonFrom()).toEqual({ got: "text" });
    await comm.sendJsonTo(null);
    expect(await comm.receiveJsonFrom()).toEqual({ got: null });
    await comm.disconnect();
  });

  it("the default receiveJson ignores content", async () => {
    const comm = new WebsocketCommunicator(AsyncJsonWebsocketConsumer.asAsgi(), "/");
    await comm.connect();
    await comm.sendJsonTo({ ignored: true });
    expect(await comm.receiveNothing()).toBe(true);
    await comm.disconnect();
  });

  it("sendJson passes close options through", async () => {
    class Closing extends AsyncJsonWebsocketConsumer {
      override async receiveJson() {
        await this.sendJson({ bye: true }, { close: 4001 });
      }
    }
    const comm = new WebsocketCommunicator(Closing.asAsgi(), "/");
    await comm.connect();
    await comm.sendJsonTo({});
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.send", text: '{"bye":true}' });
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.close", code: 4001 });
    await comm.disconnect();
  });

  it("sendJson of content JSON cannot encode fails with InvalidFrameError that says so", async () => {
    class Bad extends AsyncJsonWebsocketConsumer {
      override async receiveJson(content: unknown) {
        if (content === "undefined") await this.sendJson(undefined);
        else await this.sendJson({ big: 1n });
      }
    }
    const first = new WebsocketCommunicator(Bad.asAsgi(), "/");
    await first.connect();
    await first.sendJsonTo("undefined");
    const error = await first.receiveOutput().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidFrameError);
    expect((error as Error).message).toBe("sendJson() needs JSON-encodable content; got undefined.");

    const second = new WebsocketCommunicator(Bad.asAsgi(), "/");
    await second.connect();
    await second.sendJsonTo("bigint");
    const error2 = await second.receiveOutput().catch((e: unknown) => e);
    expect(error2).toBeInstanceOf(InvalidFrameError);
    expect((error2 as Error).message).toMatch(/^sendJson\(\) could not encode its content: .*BigInt/);
  });

  it("static encodeJson / decodeJson are synchronous and called via the subclass", async () => {
    const calls: string[] = [];
    class Custom extends AsyncJsonWebsocketConsumer<{ n: number }, { n: number }> {
      static override decodeJson(text: string): unknown {
        calls.push(`decode ${text}`);
        return { n: Number(text) };
      }
      static override encodeJson(content: unknown): string {
        calls.push("encode");
        return `n=${(content as { n: number }).n}`;
      }
      override async receiveJson(content: { n: number }) {
        await this.sendJson({ n: content.n + 1 });
      }
    }
    const comm = new WebsocketCommunicator(Custom.asAsgi(), "/");
    await comm.connect();
    await comm.sendTo("41");
    expect(await comm.receiveFrom()).toBe("n=42");
    expect(calls).toEqual(["decode 41", "encode"]);
    await comm.disconnect();
  });

  it("receiveJsonFrom refuses a binary frame from the app", async () => {
    class SendsBytes extends AsyncJsonWebsocketConsumer {
      override async receiveJson() {
        await this.send(new Uint8Array([1]));
      }
    }
    const comm = new WebsocketCommunicator(SendsBytes.asAsgi(), "/");
    await comm.connect();
    await comm.sendJsonTo({});
    await expect(comm.receiveJsonFrom()).rejects.toThrow("JSON data is not a text frame");
    await comm.disconnect();
  });
});
