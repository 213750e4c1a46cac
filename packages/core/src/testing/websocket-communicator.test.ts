// WebsocketCommunicator, ported from Django Channels' communicator tests.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { AsyncWebsocketConsumer } from "../consumers/websocket-consumer";
import type { Application, WebSocketScope } from "../protocol/types";
import { ApplicationCommunicator } from "./application-communicator";
import { TimeoutError } from "./timeout-error";
import { WebsocketCommunicator } from "./websocket-communicator";

class Echo extends AsyncWebsocketConsumer {
  override async receive(textData?: string, bytesData?: Uint8Array) {
    await this.send(textData ?? bytesData!);
  }
}

/** Accepts, records the scope and echoes nothing. */
function scopeRecorder() {
  const scopes: WebSocketScope[] = [];
  class Recorder extends AsyncWebsocketConsumer {
    override async connect() {
      scopes.push(this.scope);
      await this.accept();
    }
  }
  return { app: Recorder.asAsgi(), scopes };
}

describe("WebsocketCommunicator", () => {
  it("TC-01 ★ connects, round-trips text, bytes and JSON, and disconnects", async () => {
    const comm = new WebsocketCommunicator(Echo.asAsgi(), "/testws/");
    expect(comm).toBeInstanceOf(ApplicationCommunicator);
    expect(await comm.connect()).toEqual({ connected: true, subprotocol: null });
    await comm.sendTo("hello");
    expect(await comm.receiveFrom()).toBe("hello");
    await comm.sendTo(new Uint8Array([0x77, 0, 0, 0]));
    expect(await comm.receiveFrom()).toEqual(new Uint8Array([0x77, 0, 0, 0]));
    await comm.sendJsonTo({ hello: "world" });
    expect(await comm.receiveJsonFrom()).toEqual({ hello: "world" });
    await comm.disconnect();
    expect(comm.done).toBe(true);
  });

  it("TC-02 receiveFrom on a close says what it expected", async () => {
    class AcceptThenClose extends AsyncWebsocketConsumer {
      override async connect() {
        await this.accept();
        await this.close();
      }
    }
    const comm = new WebsocketCommunicator(AcceptThenClose.asAsgi(), "/");
    await comm.connect();
    await expect(comm.receiveFrom()).rejects.toThrow(
      "Expected type 'websocket.send', but was 'websocket.close'",
    );
    await comm.disconnect();
  });

  it("TC-03 ★ an app that ignores input times out receiveFrom (cancelling it); disconnect() then returns quietly", async () => {
    class Ignore extends AsyncWebsocketConsumer {
      override async receive() {}
    }
    const comm = new WebsocketCommunicator(Ignore.asAsgi(), "/");
    await comm.connect();
    await comm.sendTo("hello");
    const error = await comm.receiveFrom(100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(comm.isCancelled).toBe(true);
    await expect(comm.disconnect()).resolves.toBeUndefined();
  });

  it("the quiet disconnect() after a timeout (Django raises CancelledError there) is a listed difference", () => {
    const differences = readFileSync(resolve(__dirname, "../../../../docs/differences.md"), "utf8");
    const row = differences
      .split("\n")
      .find((line) => line.startsWith("| communicator `disconnect()` after a timeout"));
    expect(row).toContain("CancelledError");
    expect(row).toContain("resolves quietly");
  });

  it.each([
    [
      "user:pass@example.com:8080/p/a/t/h?query=string#hash",
      "user:pass@example.com:8080/p/a/t/h",
      "query=string",
    ],
    ["wss://user:pass@example.com:8080/p/a/t/h?query=string#hash", "/p/a/t/h", "query=string"],
    [
      "ws://www.example.com/%E9%A6%96%E9%A1%B5/index.php?foo=%E9%A6%96%E9%A1%B5&spam=eggs",
      "/首页/index.php",
      "foo=%E9%A6%96%E9%A1%B5&spam=eggs",
    ],
  ])("TC-04 ★ %s: decoded path, raw query string, accepted", async (target, expectedPath, expectedQuery) => {
    const { app, scopes } = scopeRecorder();
    const comm = new WebsocketCommunicator(app, target);
    expect((await comm.connect()).connected).toBe(true);
    const scope = scopes[0]!;
    expect(scope.type).toBe("websocket");
    expect(scope.path).toBe(expectedPath);
    expect(scope.path).toBe(decodeURIComponent(scope.path));
    expect(scope.query_string).toBe(expectedQuery);
    await comm.disconnect();
  });

  it("TC-04 a malformed escape in the path is left as it is", async () => {
    const { app, scopes } = scopeRecorder();
    const comm = new WebsocketCommunicator(app, "/a%zz/%41/");
    await comm.connect();
    expect(scopes[0]!.path).toBe("/a%zz/A/");
    await comm.disconnect();
  });

  it("TC-05 (adapted) a non-string path is a TypeError; sendTo('') sends an empty text frame; sendTo(object) is a TypeError", async () => {
    const bytesPath = () =>
      new WebsocketCommunicator(Echo.asAsgi(), new Uint8Array([47]) as unknown as string);
    expect(bytesPath).toThrow(TypeError);
    expect(bytesPath).toThrow(
      'WebsocketCommunicator takes the path as a string (e.g. "/ws/chat/lobby/"); got object.',
    );
    const comm = new WebsocketCommunicator(Echo.asAsgi(), "/");
    await comm.connect();
    await comm.sendTo("");
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.send", text: "" });
    await expect(comm.sendTo({ a: 1 } as unknown as string)).rejects.toThrow(
      "sendTo() takes a string (text frame) or a Uint8Array (binary frame); got object. Use sendJsonTo() for objects.",
    );
    await comm.disconnect();
  });

  it("TC-08 builds Django's minimal scope", () => {
    const comm = new WebsocketCommunicator(Echo.asAsgi(), "/chat/?a=1&b=%20x");
    expect(comm.scope).toStrictEqual({
      type: "websocket",
      path: "/chat/",
      query_string: "a=1&b=%20x",
      headers: [],
      subprotocols: [],
    });
  });

  it("puts headers, subprotocols and extra scope keys into the scope", () => {
    const comm = new WebsocketCommunicator(Echo.asAsgi(), "/", {
      headers: [["origin", "http://example.com"]],
      subprotocols: ["chat"],
      scope: { user: "bob", type: "http" },
    });
    expect(comm.scope).toStrictEqual({
      user: "bob",
      type: "websocket",
      path: "/",
      query_string: "",
      headers: [["origin", "http://example.com"]],
      subprotocols: ["chat"],
    });
  });

  it("connect() reports a denial response with its status, headers and body", async () => {
    const deny: Application = async (_scope, receive, send) => {
      await receive();
      await send({
        type: "websocket.http.response.start",
        status: 401,
        headers: [["content-type", "text/plain"]],
      });
      await send({
        type: "websocket.http.response.body",
        body: new TextEncoder().encode("no "),
        more_body: true,
      });
      await send({ type: "websocket.http.response.body", body: new TextEncoder().encode("entry") });
    };
    const comm = new WebsocketCommunicator(deny, "/");
    const result = await comm.connect();
    expect(result).toEqual({
      connected: false,
      closeCode: 1006,
      response: {
        status: 401,
        headers: [["content-type", "text/plain"]],
        body: new TextEncoder().encode("no entry"),
      },
    });
  });

  it("connect() refuses a first event that is neither accept nor close", async () => {
    const rude: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: "websocket.send", text: "too early" });
    };
    const comm = new WebsocketCommunicator(rude, "/");
    await expect(comm.connect()).rejects.toThrow(
      "Expected type 'websocket.accept' or 'websocket.close', but was 'websocket.send'",
    );
  });

  it("receiveFrom refuses a websocket.send with both or neither of text and bytes", async () => {
    const both: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: "websocket.accept" });
      await send({ type: "websocket.send", text: "a", bytes: new Uint8Array([1]) });
      await send({ type: "websocket.send" });
      await receive();
    };
    const comm = new WebsocketCommunicator(both, "/");
    await comm.connect();
    await expect(comm.receiveFrom()).rejects.toThrow(
      "A websocket.send event must carry exactly one of text or bytes",
    );
    await expect(comm.receiveFrom()).rejects.toThrow(
      "A websocket.send event must carry exactly one of text or bytes",
    );
    await comm.disconnect();
  });

  it("disconnect() sends the code and waits for the app; it rethrows an app failure", async () => {
    const codes: number[] = [];
    class Recorder extends AsyncWebsocketConsumer {
      override async disconnect(code: number) {
        codes.push(code);
        throw new Error("failed in disconnect");
      }
    }
    const comm = new WebsocketCommunicator(Recorder.asAsgi(), "/");
    await comm.connect();
    await expect(comm.disconnect(4001)).rejects.toThrow("failed in disconnect");
    expect(codes).toEqual([4001]);
  });

  it("disconnect() on an app that does not stop returns quietly after cancelling it", async () => {
    const stubborn: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: "websocket.accept" });
      for (let i = 0; i < 3; i++) {
        const event = await receive();
        if (event.type !== "websocket.disconnect") return;
      }
    };
    const comm = new WebsocketCommunicator(stubborn, "/");
    await comm.connect();
    await comm.sendInput({ type: "websocket.disconnect", code: 1000 });
    await expect(comm.disconnect(1000, 50)).resolves.toBeUndefined();
    expect(comm.isCancelled).toBe(true);
  });
});
