/**
 * Two layer instances with their own connections are, to the broker, two processes: they share
 * groups and plain channels only through RabbitMQ.
 */
import { ChannelFull } from "@channels-ts/core";
import { receiveWithin } from "@channels-ts/layer-conformance";
import { missingRabbitMQ } from "@channels-ts/test-support";
import { useRabbitMQ } from "@channels-ts/test-support/vitest";
import { connect } from "amqplib";
import { afterEach, describe, expect, it } from "vitest";
import { encodeMessage } from "../src/codec";
import { RabbitMQChannelLayer, type RabbitMQChannelLayerOptions } from "../src/index";

const missing = missingRabbitMQ();
if (missing) console.warn(`Skipping the RabbitMQ two-process tests: ${missing}`);

describe.skipIf(missing !== null)("two processes on one RabbitMQ", () => {
  const broker = useRabbitMQ();
  const layers: RabbitMQChannelLayer[] = [];
  let run = 0;
  let prefix = "";
  afterEach(async () => {
    for (const layer of layers.splice(0)) await layer.close();
  });

  /** A "process": its own layer and connection, with the prefix the other processes of this test use. */
  async function process(options: RabbitMQChannelLayerOptions = {}): Promise<RabbitMQChannelLayer> {
    const layer = new RabbitMQChannelLayer({ url: broker().url, prefix, ...options });
    layers.push(layer);
    await layer.ready();
    return layer;
  }

  afterEach(() => {
    prefix = "";
  });
  const fresh = () => {
    prefix = `two-${++run}`;
  };

  it("delivers one groupSend to the members of both processes, once each", async () => {
    fresh();
    const [a, b] = [await process(), await process()];
    const a1 = await a.newChannel();
    const [b1, b2] = [await b.newChannel(), await b.newChannel()];
    await a.groupAdd("room", a1);
    await b.groupAdd("room", b1);
    await b.groupAdd("room", b2);

    await a.groupSend("room", { type: "chat.message", text: "from a" });
    for (const [layer, channel] of [
      [a, a1],
      [b, b1],
      [b, b2],
    ] as const) {
      expect(await receiveWithin(layer, channel, 5_000)).toEqual({ type: "chat.message", text: "from a" });
    }
    await b.groupSend("room", { type: "chat.message", text: "from b" });
    expect(await receiveWithin(a, a1, 5_000)).toEqual({ type: "chat.message", text: "from b" });
    expect(await receiveWithin(b, b1, 5_000)).toEqual({ type: "chat.message", text: "from b" });
    expect(await receiveWithin(b, b2, 5_000)).toEqual({ type: "chat.message", text: "from b" });

    // Exactly one copy each: nothing more is waiting.
    for (const [layer, channel] of [
      [a, a1],
      [b, b1],
      [b, b2],
    ] as const) {
      expect(await receiveWithin(layer, channel, 200)).toBeNull();
    }
  });

  it("stops delivering to a member the other process discarded, and to a process that left", async () => {
    fresh();
    const [a, b, c] = [await process(), await process(), await process()];
    const [a1, b1, c1] = [await a.newChannel(), await b.newChannel(), await c.newChannel()];
    await a.groupAdd("room", a1);
    await b.groupAdd("room", b1);
    await c.groupAdd("room", c1);
    await b.groupDiscard("room", b1);
    await c.close(); // its exclusive queue, and so its bindings, go with its connection

    await a.groupSend("room", { type: "m", n: 1 });
    expect(await receiveWithin(a, a1, 5_000)).toEqual({ type: "m", n: 1 });
    expect(await receiveWithin(b, b1, 300)).toBeNull();
  });

  it("sends to a process-local channel of the other process", async () => {
    fresh();
    const [a, b] = [await process(), await process()];
    const b1 = await b.newChannel("websocket");
    const waiting = b.receive(b1);
    await a.send(b1, { type: "direct", bytes: new Uint8Array([1, 2, 3]), big: 2n ** 60n });
    const got = await waiting;
    expect(got.type).toBe("direct");
    expect([...(got.bytes as Uint8Array)]).toEqual([1, 2, 3]);
    expect(got.big).toBe(2n ** 60n);
  });

  it("refuses to receive on another process's channel", async () => {
    fresh();
    const [a, b] = [await process(), await process()];
    await expect(a.receive(await b.newChannel())).rejects.toThrow(/another layer instance/);
  });

  it("gives each message of a plain channel to exactly one of the competing readers", async () => {
    fresh();
    const [a, b, sender] = [await process(), await process(), await process({ capacity: 100 })];
    const total = 40;
    const seen: number[] = [];
    let done = false;
    const deadline = Date.now() + 15_000;
    const readLoop = async (layer: RabbitMQChannelLayer) => {
      while (!done && Date.now() < deadline) {
        const message = await receiveWithin(layer, "jobs", 250);
        if (message) seen.push(message.n as number);
        if (seen.length >= total) done = true;
      }
    };
    const readers = [readLoop(a), readLoop(b)];
    for (let n = 0; n < total; n++) await sender.send("jobs", { type: "job", n });
    await Promise.all(readers);
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, n) => n));
  });

  it("hands messages a reader prefetched back to the queue once it stops reading", async () => {
    fresh();
    const [a, b, sender] = [await process(), await process(), await process()];
    await sender.send("jobs", { type: "job", n: 0 });
    expect(await a.receive("jobs")).toEqual({ type: "job", n: 0 });
    // a's consumer is still running and takes these ahead of any receive (prefetch)...
    for (let n = 1; n <= 3; n++) await sender.send("jobs", { type: "job", n });
    // ...and gives them back after a second without receivers, so b gets every one, in order.
    const got: unknown[] = [];
    for (let i = 0; i < 3; i++) got.push((await receiveWithin(b, "jobs", 10_000))?.n);
    expect(got).toEqual([1, 2, 3]);
  });

  it("throws ChannelFull when the other process's queue is full", async () => {
    fresh();
    const a = await process();
    // A process that is stuck (not draining its queue), played by a bare AMQP client that declares
    // a process queue holding one message.
    const stuck = await connect(broker().url);
    try {
      const channel = await stuck.createChannel();
      await channel.assertQueue(`${prefix}.process.stuckProcess`, {
        exclusive: true,
        arguments: { "x-max-length": 1, "x-overflow": "reject-publish" },
      });
      await a.send("specific.stuckProcess!abc", { type: "m", n: 1 });
      const error = await a.send("specific.stuckProcess!abc", { type: "m", n: 2 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelFull);
      expect((error as ChannelFull).channel).toBe("specific.stuckProcess!abc");
    } finally {
      await stuck.close();
    }
  });

  it("skips and reports a message on its queue that is not one of its own", async () => {
    fresh();
    const reported: string[] = [];
    const a = await process({ onError: (error) => reported.push(error.message) });
    const channel = await a.newChannel();
    const foreign = await connect(broker().url);
    try {
      const raw = await foreign.createConfirmChannel();
      const queue = `${prefix}.process.${a.clientId}`;
      const waiting = a.receive(channel);
      // One publisher channel to one queue keeps its order: the junk arrives first.
      raw.sendToQueue(queue, Buffer.from("not msgpack"), { headers: { "x-channel": channel } });
      raw.sendToQueue(queue, encodeMessage({ type: "real" }), { headers: { "x-channel": channel } });
      await raw.waitForConfirms();
      expect(await waiting).toEqual({ type: "real" });
      expect(reported.some((m) => m.startsWith("Skipped a message that is not a channels-ts"))).toBe(true);
    } finally {
      await foreign.close();
    }
  });
});
