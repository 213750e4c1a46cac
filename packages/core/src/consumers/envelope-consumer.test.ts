import { describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../testing/websocket-communicator";
import { AsyncEnvelopeConsumer, ClientRequestError, RequestRefused } from "./envelope-consumer";
import { AsyncJsonWebsocketConsumer } from "./json-websocket-consumer";

type Calc = {
  clientSends: { say: string };
  serverSends: { said: string } | { $ch: string };
  clientRequests: { request: { add: [number, number] }; reply: number };
  serverRequests: { request: { confirm: string }; reply: boolean };
};

const HELLO = { $ch: "hello", v: 1 };

class Calculator extends AsyncEnvelopeConsumer<Calc> {
  static answers: unknown[] = [];
  override async receiveJson(content: { say: string }) {
    if (content.say === "ask") {
      // Awaits the client's answer inside a handler: the reply is read while the handler waits.
      Calculator.answers.push(
        await this.requestClient({ confirm: "sure?" }, { timeoutMs: 500 }).catch((e) => e),
      );
      await this.sendJson({ said: "asked" });
      return;
    }
    await this.sendJson(content.say === "tricky" ? { $ch: "mine" } : { said: content.say });
  }
  override async receiveRequest(request: { add: [number, number] }) {
    const [a, b] = request.add;
    if (a < 0) throw new RequestRefused("Positive numbers only.");
    if (a === 13) throw new Error("a bug with a stack");
    return a + b;
  }
}

async function connected() {
  const comm = new WebsocketCommunicator(Calculator.asAsgi(), "/ws/");
  expect((await comm.connect()).connected).toBe(true);
  expect(await comm.receiveJsonFrom()).toEqual(HELLO);
  return comm;
}

describe("AsyncEnvelopeConsumer", () => {
  it("says hello on accept, then app frames are the app's JSON both ways", async () => {
    const comm = await connected();
    await comm.sendJsonTo({ say: "hi" });
    expect(await comm.receiveFrom()).toBe('{"said":"hi"}');
    await comm.disconnect();
  });

  it("wraps an app object that carries $ch, and unwraps one from the client", async () => {
    const comm = await connected();
    await comm.sendJsonTo({ $ch: "msg", data: { say: "tricky" } });
    expect(await comm.receiveJsonFrom()).toEqual({ $ch: "msg", data: { $ch: "mine" } });
    await comm.disconnect();
  });

  it("answers a ping with a pong", async () => {
    const comm = await connected();
    await comm.sendJsonTo({ $ch: "ping" });
    expect(await comm.receiveJsonFrom()).toEqual({ $ch: "pong" });
    await comm.disconnect();
  });

  it("replies to a request with receiveRequest's result", async () => {
    const comm = await connected();
    await comm.sendJsonTo({ $ch: "req", id: 4, data: { add: [2, 3] } });
    expect(await comm.receiveJsonFrom()).toEqual({ $ch: "res", id: 4, data: 5 });
    await comm.disconnect();
  });

  it("refuses with RequestRefused's message, and keeps the connection", async () => {
    const comm = await connected();
    await comm.sendJsonTo({ $ch: "req", id: 1, data: { add: [-1, 3] } });
    expect(await comm.receiveJsonFrom()).toEqual({ $ch: "err", id: 1, error: "Positive numbers only." });
    await comm.sendJsonTo({ say: "still here" });
    expect(await comm.receiveJsonFrom()).toEqual({ said: "still here" });
    await comm.disconnect();
  });

  it("an unexpected error reaches the client as a message, never a stack, and ends the consumer", async () => {
    const comm = await connected();
    await comm.sendJsonTo({ $ch: "req", id: 2, data: { add: [13, 0] } });
    const reply = await comm.receiveFrom();
    expect(JSON.parse(reply as string)).toEqual({
      $ch: "err",
      id: 2,
      error: "The server could not handle this request.",
    });
    expect(reply).not.toContain("stack");
    await expect(comm.wait()).rejects.toThrow("a bug with a stack");
  });

  it("asks the client and gets its answer while the handler waits", async () => {
    Calculator.answers = [];
    const comm = await connected();
    await comm.sendJsonTo({ say: "ask" });
    expect(await comm.receiveJsonFrom()).toEqual({ $ch: "req", id: 1, data: { confirm: "sure?" } });
    await comm.sendJsonTo({ $ch: "res", id: 1, data: true });
    await comm.sendJsonTo({ $ch: "res", id: 1, data: false }); // a duplicate is ignored
    expect(await comm.receiveJsonFrom()).toEqual({ said: "asked" });
    expect(Calculator.answers).toEqual([true]);
    await comm.disconnect();
  });

  it("a client's refusal and a client's silence reject requestClient", async () => {
    Calculator.answers = [];
    const comm = await connected();
    await comm.sendJsonTo({ say: "ask" });
    await comm.receiveJsonFrom();
    await comm.sendJsonTo({ $ch: "err", id: 1, error: "No." });
    expect(await comm.receiveJsonFrom()).toEqual({ said: "asked" });
    await comm.sendJsonTo({ say: "ask" });
    await comm.receiveJsonFrom();
    expect(await comm.receiveJsonFrom(2000)).toEqual({ said: "asked" });
    await comm.sendJsonTo({ $ch: "res", id: 2, data: true }); // late: ignored
    const [refused, silent] = Calculator.answers as ClientRequestError[];
    expect(refused).toBeInstanceOf(ClientRequestError);
    expect([refused?.reason, refused?.message]).toEqual(["refused", "No."]);
    expect(silent?.reason).toBe("timeout");
    await comm.disconnect();
  });

  it("ignores envelope kinds it does not know", async () => {
    const comm = await connected();
    await comm.sendJsonTo({ $ch: "hello", v: 1, positions: {} });
    await comm.sendJsonTo({ say: "after" });
    expect(await comm.receiveJsonFrom()).toEqual({ said: "after" });
    await comm.disconnect();
  });

  it("refuses requests unless receiveRequest is overridden", async () => {
    class Plain extends AsyncEnvelopeConsumer {}
    const comm = new WebsocketCommunicator(Plain.asAsgi(), "/");
    await comm.connect();
    await comm.receiveFrom();
    await comm.sendJsonTo({ $ch: "req", id: 1, data: {} });
    expect(await comm.receiveJsonFrom()).toEqual({
      $ch: "err",
      id: 1,
      error: "Plain takes no requests: override receiveRequest().",
    });
    await comm.disconnect();
  });

  it("a plain JSON consumer sends no hello and treats $ch frames as the app's", async () => {
    class Echo extends AsyncJsonWebsocketConsumer {
      override async receiveJson(content: unknown) {
        await this.sendJson(content);
      }
    }
    const comm = new WebsocketCommunicator(Echo.asAsgi(), "/");
    await comm.connect();
    await comm.sendJsonTo({ $ch: "ping" });
    expect(await comm.receiveJsonFrom()).toEqual({ $ch: "ping" });
    await comm.disconnect();
  });
});
