import { afterEach, describe, expect, it } from "vitest";
import { AsyncConsumer } from "../../src/consumers/index";
import { ChannelLayerClosed, InvalidChannelLayerError } from "../../src/exceptions";
import type { ChannelLayer } from "../../src/layers/base";
import { channelLayers } from "../../src/layers/registry";
import type { LayerMessage, Scope } from "../../src/protocol/types";
import { ChannelNameRouter } from "../../src/routing/index";
import { Worker } from "../../src/server/index";
import { Recorder, RecordingLogger, within } from "./helpers";

/** The smallest layer a worker needs: FIFO queues per channel, aborting receives. No validation, on purpose. */
class QueueLayer implements ChannelLayer {
  readonly extensions = [];
  private queues = new Map<string, unknown[]>();
  private waiters = new Map<string, Array<(m: unknown) => void>>();
  private counter = 0;
  closed = false;
  async send(channel: string, message: LayerMessage): Promise<void> {
    const waiter = this.waiters.get(channel)?.shift();
    if (waiter) waiter(message);
    else this.queues.set(channel, [...(this.queues.get(channel) ?? []), message]);
  }
  receive(channel: string, signal?: AbortSignal): Promise<LayerMessage> {
    if (this.closed) return Promise.reject(new ChannelLayerClosed());
    const queued = this.queues.get(channel);
    if (queued && queued.length > 0) return Promise.resolve(queued.shift() as LayerMessage);
    return new Promise((resolve, reject) => {
      const waiter = (m: unknown) => resolve(m as LayerMessage);
      this.waiters.set(channel, [...(this.waiters.get(channel) ?? []), waiter]);
      signal?.addEventListener("abort", () => {
        this.waiters.set(
          channel,
          (this.waiters.get(channel) ?? []).filter((w) => w !== waiter),
        );
        reject(signal.reason);
      });
    });
  }
  async newChannel(prefix = "specific"): Promise<string> {
    return `${prefix}.queue!${++this.counter}`;
  }
  async groupAdd(): Promise<void> {}
  async groupDiscard(): Promise<void> {}
  async groupSend(): Promise<void> {}
  async flush(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

afterEach(() => {
  channelLayers.reset();
});

describe("Worker", () => {
  it("WK-01: one consumer instance per channel handles its messages in order", async () => {
    const layer = new QueueLayer();
    channelLayers.set("default", layer);
    const handled: Array<{ n: number; instance: AsyncConsumer; scope: Scope }> = [];
    const rec = new Recorder();
    class Jobs extends AsyncConsumer {
      async job_run(message: { n: number }) {
        handled.push({ n: message.n, instance: this, scope: this.scope });
        rec.poke();
      }
    }
    const worker = new Worker(ChannelNameRouter({ jobs: Jobs.asAsgi() }), ["jobs"], layer, { logger: null });
    const running = worker.run();
    for (let n = 0; n < 3; n++) await layer.send("jobs", { type: "job.run", n });
    await rec.until(() => handled.length === 3, "3 jobs");
    expect(handled.map((h) => h.n)).toEqual([0, 1, 2]);
    expect(new Set(handled.map((h) => h.instance)).size).toBe(1);
    expect(handled[0]?.scope).toEqual({ type: "channel", channel: "jobs" });
    await worker.close();
    await expect(within(running)).resolves.toBeUndefined();
  });

  it("listens on several channels with one instance each", async () => {
    const layer = new QueueLayer();
    const seen: Array<[string, string]> = [];
    const rec = new Recorder();
    const worker = new Worker(
      async (scope, receive) => {
        for (;;) {
          const message = (await receive()) as unknown as LayerMessage;
          seen.push([(scope as { channel: string }).channel, message.type]);
          rec.poke();
        }
      },
      ["a", "b"],
      layer,
      { logger: null },
    );
    const running = worker.run();
    await layer.send("a", { type: "one" });
    await layer.send("b", { type: "two" });
    await rec.until(() => seen.length === 2);
    expect(seen.sort()).toEqual([
      ["a", "one"],
      ["b", "two"],
    ]);
    await worker.close();
    await within(running);
  });

  it("WK-02: a message without type stops that listener with a clear error", async () => {
    const layer = new QueueLayer();
    const logger = new RecordingLogger();
    const worker = new Worker(async (_scope, receive) => void (await receive()), ["jobs"], layer, { logger });
    const running = worker.run();
    await layer.send("jobs", { nope: true } as unknown as LayerMessage);
    await expect(within(running)).rejects.toThrow(/Worker received message with no type/);
    expect(logger.has("error", "no type")).toBe(true);
    await worker.close();
  });

  it("WK-03: a null channel layer is refused", () => {
    expect(() => new Worker(async () => {}, ["x"], null)).toThrow(InvalidChannelLayerError);
    expect(() => new Worker(async () => {}, ["x"], null)).toThrow(/Channel layer is not valid/);
    expect(() => new Worker(async () => {}, [], new QueueLayer())).toThrow(
      /non-empty array of channel names/,
    );
  });

  it("an application error is logged with the channel, and the next message gets a fresh instance", async () => {
    const layer = new QueueLayer();
    const logger = new RecordingLogger();
    let instances = 0;
    const rec = new Recorder();
    const worker = new Worker(
      async (_scope, receive) => {
        instances++;
        const message = (await receive()) as unknown as LayerMessage;
        rec.poke();
        if (message.type === "crash") throw new Error("job failed");
        await receive();
      },
      ["jobs"],
      layer,
      { logger },
    );
    const running = worker.run();
    await layer.send("jobs", { type: "crash" });
    await logger.waitFor("error", "worker channel jobs");
    await layer.send("jobs", { type: "fine" });
    await rec.until(() => instances === 2);
    await worker.close();
    await within(running);
  });

  it("close() cancels instances that are still running", async () => {
    const layer = new QueueLayer();
    const outcome: unknown[] = [];
    const worker = new Worker(
      async (_scope, receive) => {
        await receive();
        try {
          await receive();
        } catch (error) {
          outcome.push(error);
          throw error;
        }
      },
      ["jobs"],
      layer,
      { logger: null, applicationCloseTimeoutMs: 50 },
    );
    const running = worker.run();
    await layer.send("jobs", { type: "first" });
    await worker.close();
    await within(running);
    expect(String(outcome[0])).toContain("CancelledError");
  });
});
