import { describe, expect, it } from "vitest";
import { CancelledError } from "../exceptions";
import type { ReceiveEvent, Scope, SendEvent } from "../protocol/types";
import { ApplicationInstance, HIGH_WATER } from "./instance";

class TestInstance extends ApplicationInstance {
  readonly scope: Scope = { type: "channel", channel: "test" };
  sent: SendEvent[] = [];
  paused = 0;
  resumed = 0;
  outcome: unknown = "running";
  protected handleSend(event: SendEvent): undefined {
    this.sent.push(event);
    return undefined;
  }
  protected onApplicationReturn(): void {
    this.outcome = "returned";
  }
  protected onApplicationError(error: unknown): void {
    this.outcome = error;
  }
  protected override onQueueFull(): void {
    this.paused++;
  }
  protected override onQueueDrained(): void {
    this.resumed++;
  }
}

const event = (n: number) => ({ type: "websocket.receive", text: String(n) }) as ReceiveEvent;

describe("ApplicationInstance", () => {
  it("hands events to a waiting receive() or queues them in order", async () => {
    const instance = new TestInstance();
    const first = instance.receive();
    instance.deliver(event(1));
    instance.deliver(event(2));
    expect(await first).toEqual(event(1));
    expect(await instance.receive()).toEqual(event(2));
  });

  it("signals a full queue and a drained one", async () => {
    const instance = new TestInstance();
    for (let i = 0; i < HIGH_WATER; i++) instance.deliver(event(i));
    expect(instance.paused).toBe(1);
    for (let i = 0; i < HIGH_WATER / 2; i++) await instance.receive();
    expect(instance.resumed).toBe(1);
  });

  it("cancel() rejects the pending and later receive() and send() with CancelledError", async () => {
    const instance = new TestInstance();
    const pending = instance.receive();
    instance.cancel();
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    await expect(instance.receive()).rejects.toBeInstanceOf(CancelledError);
    await expect(instance.send({ type: "websocket.close" })).rejects.toBeInstanceOf(CancelledError);
  });

  it("an app that ends on its own cancellation counts as returned, not as an error", async () => {
    const instance = new TestInstance();
    const finished = new Promise<void>((resolve) => {
      instance.onFinished = () => resolve();
    });
    instance.start(async (_scope, receive) => {
      await receive();
    });
    instance.cancel();
    await finished;
    expect(instance.outcome).toBe("returned");
  });

  it("reports apps that throw, return no promise, or await receive() twice at once", async () => {
    const thrower = new TestInstance();
    thrower.start(() => {
      throw new Error("sync");
    });
    expect(String(thrower.outcome)).toContain("sync");
    const noPromise = new TestInstance();
    noPromise.start((() => undefined) as never);
    expect(String(noPromise.outcome)).toMatch(/must be an async function/);
    const twice = new TestInstance();
    void twice.receive();
    await expect(twice.receive()).rejects.toThrow(/earlier receive\(\) is still pending/);
  });

  it("send() refuses a non-event with a clear error", async () => {
    const instance = new TestInstance();
    await expect(instance.send(null as never)).rejects.toThrow(/event object with a string type/);
    await instance.send({ type: "websocket.close" });
    expect(instance.sent).toEqual([{ type: "websocket.close" }]);
  });
});
