import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { receiveWithin } from "../../test/support/layers";
import { AsyncWebsocketConsumer } from "../consumers/websocket-consumer";
import { ChannelFull, ChannelLayerClosed, ImproperlyConfigured } from "../exceptions";
import { WebsocketCommunicator } from "../testing/websocket-communicator";
import { InMemoryChannelLayer, type InMemoryChannelLayerOptions } from "./in-memory-layer";
import { channelLayers } from "./registry";

// The shared behaviour runs in packages/layer-memory/test/conformance.test.ts (the conformance
// suite depends on core, so core's own tests cannot import it).
// In-memory-specific cases of Django Channels' InMemoryChannelLayer tests: those that inspect the layer's
// state (`channels`, `groups`) or its defaults. The shared behaviour is in the conformance suite.
describe("InMemoryChannelLayer (in-memory specifics)", () => {
  const layers: InMemoryChannelLayer[] = [];
  const make = (options: InMemoryChannelLayerOptions = {}) => {
    const layer = new InMemoryChannelLayer({ capacity: 3, ...options });
    layers.push(layer);
    return layer;
  };
  // The layer's clock is Date.now(): expiry runs on fake timers, no test sleeps.
  const sleep = (ms: number) => vi.advanceTimersByTimeAsync(ms);
  const within = async (layer: InMemoryChannelLayer, channel: string, ms: number) => {
    const received = receiveWithin(layer, channel, ms);
    await vi.advanceTimersByTimeAsync(ms);
    return received;
  };
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(async () => {
    vi.useRealTimers();
    for (const layer of layers.splice(0)) await layer.close();
  });

  it("IM-01 ★ a channel's entry lives while it holds messages and goes with the last one", async () => {
    const layer = make();
    await layer.send("test-channel-1", { type: "test.message", text: "Ahoy-hoy!" });
    await layer.send("test-channel-1", { type: "test.message", text: "Ahoy-hoy!" });
    expect(await layer.receive("test-channel-1")).toEqual({ type: "test.message", text: "Ahoy-hoy!" });
    expect(layer.channels.has("test-channel-1")).toBe(true);
    expect(await layer.receive("test-channel-1")).toEqual({ type: "test.message", text: "Ahoy-hoy!" });
    expect(layer.channels.has("test-channel-1")).toBe(false);
  });

  it("lists a channel that only has a waiting receiver, as Django does, and forgets it after", async () => {
    const layer = make();
    const controller = new AbortController();
    const waiting = layer.receive("test-channel-1");
    const aborted = layer.receive("test-channel-2", controller.signal);
    expect([...layer.channels.keys()]).toEqual(["test-channel-1", "test-channel-2"]);
    expect(layer.channels.get("test-channel-1")).toEqual([]);
    await layer.send("test-channel-1", { type: "test.message" });
    expect(await waiting).toEqual({ type: "test.message" });
    expect(layer.channels.has("test-channel-1")).toBe(false);
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    expect(layer.channels.size).toBe(0);
    // A message sent while nobody waits is queued in a list of its own, not in the waiting marker.
    const again = layer.receive("test-channel-3");
    await layer.send("test-channel-3", { type: "one" });
    await layer.send("test-channel-3", { type: "two" });
    expect(await again).toEqual({ type: "one" });
    expect(layer.channels.get("test-channel-3")).toHaveLength(1);
    expect(layer.channels.get("test-channel-1")).toBeUndefined();
  });

  it("a test finds a connected consumer's channel the Django way: [...layer.channels.keys()][0]", async () => {
    const layer = make();
    channelLayers.set("default", layer);
    class Pinged extends AsyncWebsocketConsumer {
      async ping(event: { text: string }) {
        await this.send(event.text);
      }
    }
    const comm = new WebsocketCommunicator(Pinged.asAsgi(), "/");
    try {
      expect((await comm.connect()).connected).toBe(true);
      const channelName = [...layer.channels.keys()][0];
      expect(channelName).toMatch(/^specific\.inmemory!/);
      await layer.send(channelName!, { type: "ping", text: "found you" });
      expect(await comm.receiveFrom()).toBe("found you");
      await comm.disconnect();
    } finally {
      channelLayers.delete("default");
    }
  });

  it("IM-02 a waiting receiver gets its message even if the channel entry is deleted", async () => {
    const layer = make();
    const waiting = layer.receive("test-channel-1");
    await layer.send("test-channel-1", { type: "test.message", text: "Ahoy-hoy!" });
    layer.channels.delete("test-channel-1");
    expect(await waiting).toEqual({ type: "test.message", text: "Ahoy-hoy!" });
  });

  it("IM-08 ★ an expired message is gone: receive waits, and the channel entry is removed", async () => {
    const layer = make({ expiryMs: 100 });
    await layer.send("test-channel-1", { type: "test.message" });
    expect(layer.channels.size).toBe(1);
    await sleep(150);
    expect(await within(layer, "test-channel-1", 200)).toBeNull();
    expect(layer.channels.size).toBe(0);
  });

  it("IM-09 an expired message on one channel is cleaned when receiving on another", async () => {
    const layer = make({ expiryMs: 100 });
    await layer.send("test-channel-1", { type: "test.message" });
    await sleep(150);
    expect(await within(layer, "test-channel-2", 100)).toBeNull();
    expect(layer.channels.has("test-channel-1")).toBe(false);
    expect(layer.channels.has("test-channel-2")).toBe(false);
  });

  it("IM-10 only the message sent after expiry is received; the channels end empty", async () => {
    const layer = make({ expiryMs: 100 });
    for (let i = 1; i <= 3; i++) await layer.send("test-channel-1", { type: "test.message", n: i });
    expect((await layer.receive("test-channel-1")).n).toBe(1);
    await sleep(150);
    await layer.send("test-channel-1", { type: "test.message", n: 4 });
    expect((await layer.receive("test-channel-1")).n).toBe(4);
    expect(await within(layer, "test-channel-1", 100)).toBeNull();
    expect(layer.channels.size).toBe(0);
  });

  it("IM-13 ChannelFull names the channel", async () => {
    const layer = make({ capacity: 1 });
    await layer.send("c", { type: "m" });
    const error = await layer.send("c", { type: "m" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelFull);
    expect((error as ChannelFull).channel).toBe("c");
    expect((error as Error).message).toBe(
      'Channel "c" is full: its reader is too slow or gone. Retry later, or raise the layer\'s capacity (capacity / channelCapacity).',
    );
  });

  it("IM-13 groupSend to a full member drops for that member only, counts it, and keeps its queue intact", async () => {
    const drops: string[] = [];
    const layer = make({ capacity: 1, onDrop: (d) => drops.push(`${d.group}/${d.channel}/${d.reason}`) });
    await layer.groupAdd("g", "full");
    await layer.groupAdd("g", "free");
    await layer.send("full", { type: "first" });
    await layer.groupSend("g", { type: "fanout" });
    expect(layer.droppedMessages).toBe(1);
    expect(drops).toEqual(["g/full/full"]);
    expect(await layer.receive("free")).toEqual({ type: "fanout" });
    expect(await layer.receive("full")).toEqual({ type: "first" });
    expect(layer.channels.size).toBe(0);
  });

  it("IM-14 group bookkeeping: one membership per channel; the last discard deletes the group", async () => {
    const layer = make();
    await layer.groupAdd("gr", "chan-a");
    await layer.groupAdd("gr", "chan-a");
    expect(layer.groups.get("gr")?.size).toBe(1);
    await layer.groupAdd("gr", "chan-b");
    await layer.groupDiscard("gr", "chan-a");
    expect([...(layer.groups.get("gr")?.keys() ?? [])]).toEqual(["chan-b"]);
    await layer.groupDiscard("gr", "chan-b");
    expect(layer.groups.has("gr")).toBe(false);
    await layer.groupDiscard("gr", "chan-b");
    await layer.groupSend("gr", { type: "m" });
    expect(layer.groups.size).toBe(0);
    expect(layer.channels.size).toBe(0);
  });

  it("IM-14 a second groupAdd renews the membership's timestamp", async () => {
    const layer = make();
    await layer.groupAdd("gr", "chan-a");
    const first = layer.groups.get("gr")!.get("chan-a")!;
    await sleep(20);
    await layer.groupAdd("gr", "chan-a");
    expect(layer.groups.get("gr")!.get("chan-a")!).toBeGreaterThan(first);
  });

  it("IM-15 a member whose message expired is removed from all its groups", async () => {
    const layer = make({ expiryMs: 100 });
    await layer.groupAdd("gg", "gone");
    await layer.groupAdd("other", "gone");
    await layer.groupAdd("gg", "alive");
    await layer.send("gone", { type: "never.read" });
    await sleep(150);
    await layer.groupSend("unrelated", { type: "m" });
    expect([...(layer.groups.get("gg")?.keys() ?? [])]).toEqual(["alive"]);
    expect(layer.groups.has("other")).toBe(false);
    expect(layer.channels.has("gone")).toBe(false);
  });

  it("IM-16 newChannel names and the defaults (no double dot: a deliberate difference)", async () => {
    const layer = new InMemoryChannelLayer();
    layers.push(layer);
    expect(await layer.newChannel()).toMatch(/^specific\.inmemory![A-Za-z]{12}$/);
    expect(await layer.newChannel("foo")).toMatch(/^foo\.inmemory![A-Za-z]{12}$/);
    expect(layer.expiryMs).toBe(60_000);
    expect(layer.groupExpiryMs).toBe(86_400_000);
    expect(layer.capacity).toBe(100);
    expect(layer.extensions).toEqual(["groups", "flush"]);
  });

  it("IM-16 newChannel refuses a prefix that makes an invalid name", async () => {
    const layer = make();
    await expect(layer.newChannel("bad prefix")).rejects.toThrow(/^Channel name must be/);
  });

  it("IM-17 of two waiting receivers, the first gets the single message; the second keeps waiting", async () => {
    const layer = make();
    const first = layer.receive("shared");
    const controller = new AbortController();
    const second = layer.receive("shared", controller.signal);
    await layer.send("shared", { type: "only.one" });
    expect(await first).toEqual({ type: "only.one" });
    controller.abort(new Error("done waiting"));
    await expect(second).rejects.toThrow("done waiting");
  });

  it("IM-17 flush() empties channels and groups (waiting receivers survive: a deliberate difference)", async () => {
    const layer = make();
    await layer.send("a", { type: "m" });
    await layer.groupAdd("g", "a");
    const waiting = layer.receive("b");
    await layer.flush();
    expect(layer.channels.size).toBe(0);
    expect(layer.groups.size).toBe(0);
    await layer.send("b", { type: "after" });
    expect(await waiting).toEqual({ type: "after" });
  });

  it("IM-18 channelCapacity globs are compiled and honoured", async () => {
    const layer = make({ channelCapacity: { "small*": 1 } });
    expect(layer.getCapacity("small-x")).toBe(1);
    expect(layer.getCapacity("big")).toBe(3);
    await layer.send("small-x", { type: "m" });
    await expect(layer.send("small-x", { type: "m" })).rejects.toBeInstanceOf(ChannelFull);
  });

  it("a closed layer refuses every call with ChannelLayerClosed that says what to do", async () => {
    const layer = make();
    await layer.close();
    const error = await layer.send("c", { type: "m" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelLayerClosed);
    expect((error as Error).message).toBe(
      "The channel layer is closed. Create a new layer to send or receive again.",
    );
    await expect(layer.groupAdd("g", "c")).rejects.toBeInstanceOf(ChannelLayerClosed);
    await expect(layer.groupDiscard("g", "c")).rejects.toBeInstanceOf(ChannelLayerClosed);
    await expect(layer.groupSend("g", { type: "m" })).rejects.toBeInstanceOf(ChannelLayerClosed);
  });

  it("refuses bad options with ImproperlyConfigured", () => {
    expect(() => new InMemoryChannelLayer({ capacity: 0 })).toThrow(ImproperlyConfigured);
    expect(() => new InMemoryChannelLayer({ expiryMs: -5 })).toThrow(
      "expiryMs must be a duration in milliseconds ≥ 0; got -5.",
    );
    expect(() => new InMemoryChannelLayer({ channelCapacity: { "x*": -1 } })).toThrow(ImproperlyConfigured);
  });
});
