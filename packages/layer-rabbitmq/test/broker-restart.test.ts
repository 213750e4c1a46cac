/**
 * The broker goes down in the middle of traffic and comes back: no crash, calls during the outage
 * fail clearly within `sendTimeoutMs`, the layers reconnect by themselves, and messages sent after
 * recovery reach receivers that were waiting all along (process queue re-declared, groups re-bound,
 * plain-channel consumers resumed).
 */
import { ChannelFull } from "@channels-ts/core";
import { receiveWithin } from "@channels-ts/layer-conformance";
import { missingRabbitMQ } from "@channels-ts/test-support";
import { useRabbitMQ } from "@channels-ts/test-support/vitest";
import { describe, expect, it } from "vitest";
import { RabbitMQChannelLayer, RabbitMQUnavailableError } from "../src/index";

const missing = missingRabbitMQ();
if (missing) console.warn(`Skipping the RabbitMQ restart test: ${missing}`);

const SEND_TIMEOUT_MS = 1_000;

/** A count that can be awaited: `reach(n, ms)` resolves once it is n, and rejects after ms. */
class Counter {
  value = 0;
  private waiters: Array<{ target: number; resolve: () => void }> = [];

  add(): void {
    this.value++;
    const reached = this.waiters.filter((w) => this.value >= w.target);
    this.waiters = this.waiters.filter((w) => this.value < w.target);
    for (const waiter of reached) waiter.resolve();
  }

  reach(target: number, timeoutMs: number): Promise<void> {
    if (this.value >= target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`count stuck at ${this.value}, wanted ${target}`)),
        timeoutMs,
      );
      this.waiters.push({
        target,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

describe.skipIf(missing !== null)("a RabbitMQ restart in the middle of traffic", () => {
  const broker = useRabbitMQ();

  it("reconnects, re-binds and resumes, and fails sends during the outage clearly", {
    timeout: 120_000,
  }, async () => {
    const options = {
      url: broker().url,
      prefix: "restart",
      sendTimeoutMs: SEND_TIMEOUT_MS,
      reconnectDelayMs: 50,
      maxReconnectDelayMs: 500,
      onError: (error: Error) => reported.push(error.message),
    };
    const reported: string[] = [];
    const sender = new RabbitMQChannelLayer(options);
    const receiver = new RabbitMQChannelLayer(options);
    const durable = new RabbitMQChannelLayer({ ...options, persistent: true });
    try {
      await sender.ready();
      await receiver.ready();
      const groupMember = await receiver.newChannel();
      const waitingLocal = await receiver.newChannel();
      await receiver.groupAdd("restart-group", groupMember);

      // Traffic: the sender streams to a plain channel while the receiver drains it.
      let stop = false;
      const trafficErrors: unknown[] = [];
      let sentOk = 0;
      const received = new Counter();
      const produce = (async () => {
        for (let n = 0; n < 1_000_000 && !stop; n++) {
          try {
            await sender.send("restart-traffic", { type: "tick", n });
            sentOk++;
          } catch (error) {
            trafficErrors.push(error);
          }
        }
      })();
      const consume = (async () => {
        const deadline = Date.now() + 100_000;
        while (!stop && Date.now() < deadline) {
          if (await receiveWithin(receiver, "restart-traffic", 200)) received.add();
        }
      })();
      // Traffic is flowing once the receiver has seen some of it.
      await received.reach(20, 10_000);

      // Receivers that wait across the outage.
      const pendingLocal = receiver.receive(waitingLocal);
      const pendingPlain = receiver.receive("restart-work");

      // Persistent messages on a plain channel nobody reads yet outlive the broker.
      await durable.send("restart-durable", { type: "kept", n: 1 });
      await sender.send("restart-transient", { type: "gone" });

      await broker().halt();

      // During the outage every call fails with RabbitMQUnavailableError, bounded by sendTimeoutMs.
      const sendError = await sender.send("restart-work", { type: "lost" }).catch((e: unknown) => e);
      expect(sendError).toBeInstanceOf(RabbitMQUnavailableError);
      expect((sendError as Error).message).toMatch(
        /RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+ is unavailable/,
      );
      expect((sendError as Error).message).not.toContain("guest:guest");
      await expect(sender.groupSend("restart-group", { type: "lost" })).rejects.toBeInstanceOf(
        RabbitMQUnavailableError,
      );
      await expect(sender.send(waitingLocal, { type: "lost" })).rejects.toBeInstanceOf(
        RabbitMQUnavailableError,
      );
      expect(sender.isConnected).toBe(false);
      expect(receiver.isConnected).toBe(false);

      expect(reported.some((m) => /lost the connection to RabbitMQ at .*; reconnecting/.test(m))).toBe(true);

      await broker().resume();
      await sender.ready(30_000);
      await receiver.ready(30_000);
      expect(await receiveWithin(receiver, "restart-durable", 10_000)).toEqual({ type: "kept", n: 1 });
      expect(await receiveWithin(receiver, "restart-transient", 300)).toBeNull();

      // After recovery: the process queue is back (direct send), the group is bound again, and
      // the plain-channel consumer resumed for the receive that waited all along.
      await sender.send(waitingLocal, { type: "after", kind: "local" });
      expect(await pendingLocal).toEqual({ type: "after", kind: "local" });
      await sender.groupSend("restart-group", { type: "after", kind: "group" });
      expect(await receiveWithin(receiver, groupMember, 10_000)).toEqual({ type: "after", kind: "group" });
      await sender.send("restart-work", { type: "after", kind: "plain" });
      expect(await pendingPlain).toEqual({ type: "after", kind: "plain" });

      // Traffic flows again, then stops.
      await received.reach(received.value + 20, 20_000);
      stop = true;
      await produce;
      await consume;

      // Failed traffic failed for a stated reason only: the outage, or a full channel.
      expect(sentOk).toBeGreaterThan(0);
      for (const error of trafficErrors) {
        expect(error instanceof RabbitMQUnavailableError || error instanceof ChannelFull).toBe(true);
      }
    } finally {
      await sender.close();
      await durable.close();
      await receiver.close();
    }
  });
});
