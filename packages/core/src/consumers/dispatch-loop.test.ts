import { describe, expect, it } from "vitest";
import { dispatchLoop } from "./dispatch-loop";

/** A source fed by hand: `push` queues a message, the loop takes them in order. */
function queueSource<T>() {
  const queued: T[] = [];
  let waiting: ((value: T) => void) | null = null;
  return {
    push(value: T) {
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve(value);
      } else queued.push(value);
    },
    // An async function, so every take costs some microtask hops, like a real receive().
    async take(): Promise<T> {
      if (queued.length > 0) return queued.shift() as T;
      return new Promise<T>((resolve) => {
        waiting = resolve;
      });
    },
  };
}

const STOP = "stop";

async function runUntilStop(sources: Array<() => Promise<string>>, onDispatch: (message: string) => void) {
  const seen: string[] = [];
  await dispatchLoop(sources, async (message) => {
    if (message === STOP) throw new Error(STOP);
    seen.push(message);
    onDispatch(message);
  }).catch((error: Error) => {
    if (error.message !== STOP) throw error;
  });
  return seen;
}

describe("dispatchLoop", () => {
  it("takes the earlier source first when both are ready", async () => {
    const client = queueSource<string>();
    const layer = queueSource<string>();
    layer.push("layer-1");
    client.push("client-1");
    client.push(STOP);
    const seen = await runUntilStop([client.take, layer.take], () => {});
    expect(seen).toEqual(["client-1", "layer-1"]);
  });

  it("lets a source that was passed over go soon, so a busy client cannot starve the layer", async () => {
    const client = queueSource<string>();
    const layer = queueSource<string>();
    for (let i = 1; i <= 20; i++) client.push(`client-${i}`);
    client.push(STOP);
    layer.push("layer-1");
    layer.push("layer-2");
    const seen = await runUntilStop([client.take, layer.take], () => {});
    expect(seen.slice(0, 2)).toEqual(["client-1", "layer-1"]);
    // Both layer messages are served while most of the client's burst still waits.
    expect(seen.slice(0, 4)).toEqual(["client-1", "layer-1", "client-2", "layer-2"]);
    expect(seen.filter((message) => message.startsWith("client"))).toEqual(
      Array.from({ length: 20 }, (_, i) => `client-${i + 1}`),
    );
  });

  // The real Channels 4, a consumer echoing 6 frames through its own channel: client:0 client:1
  // layer:0 client:2 layer:1 … layer:5. Each echo lags its frame by at most one.
  it("serves what a handler queued on another source without letting it wait behind a burst", async () => {
    const client = queueSource<string>();
    const layer = queueSource<string>();
    for (let i = 1; i <= 20; i++) client.push(`client-${i}`);
    // Like a consumer in its own group: each client message comes back through the layer.
    const seen = await runUntilStop([client.take, layer.take], (message) => {
      if (message.startsWith("client")) layer.push(`echo-${message}`);
      if (message === "echo-client-20") layer.push(STOP);
    });
    expect(seen).toHaveLength(40);
    expect(seen.slice(0, 5)).toEqual(["client-1", "client-2", "echo-client-1", "client-3", "echo-client-2"]);
    for (let i = 1; i <= 20; i++) {
      const echoAt = seen.indexOf(`echo-client-${i}`);
      expect(echoAt).toBeGreaterThan(seen.indexOf(`client-${i}`));
      expect(echoAt).toBeLessThan(seen.indexOf(`client-${i}`) + 4);
    }
  });

  it("handles a burst within one event-loop turn, so the writes it makes can leave together", async () => {
    const client = queueSource<string>();
    const layer = queueSource<string>();
    for (let i = 1; i <= 50; i++) client.push(`client-${i}`);
    let turnEnded = false;
    setImmediate(() => {
      turnEnded = true;
    });
    const dispatchedInTurn: boolean[] = [];
    await runUntilStop([client.take, layer.take], (message) => {
      dispatchedInTurn.push(!turnEnded);
      if (message.startsWith("client")) layer.push(`echo-${message}`);
      if (message === "echo-client-50") layer.push(STOP);
    });
    expect(dispatchedInTurn).toHaveLength(100);
    expect(dispatchedInTurn.every(Boolean)).toBe(true);
  });

  it("rethrows a source's error", async () => {
    const failing = () => Promise.reject(new Error("layer closed"));
    await expect(dispatchLoop([failing], async () => {})).rejects.toThrow("layer closed");
  });
});
