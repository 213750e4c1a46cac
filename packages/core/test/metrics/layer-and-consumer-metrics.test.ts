// The layer hook (BaseChannelLayer) and the consumer's handler timing, recorded into a
// MetricsRecorder; and the label-cardinality rule: traffic to many groups adds no series.
import { AsyncWebsocketConsumer, ChannelFull, MetricsRecorder, useMetrics } from "@channels-ts/core";
import { InMemoryChannelLayer } from "@channels-ts/core/layers";
import { WebsocketCommunicator } from "@channels-ts/core/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useChannelLayer } from "../support/layers";

const layer = useChannelLayer(() => new InMemoryChannelLayer({ capacity: 2, expiryMs: 1_000 }));
let metrics: MetricsRecorder;

beforeEach(() => {
  metrics = new MetricsRecorder();
  useMetrics(metrics);
});
afterEach(() => {
  useMetrics(null);
  vi.useRealTimers();
});

const L = { layer: "InMemoryChannelLayer" };

describe("layer metrics", () => {
  it("times every operation by kind and counts received messages", async () => {
    const channel = await layer().newChannel();
    await layer().send(channel, { type: "a" });
    await layer().groupAdd("g", channel);
    await layer().groupSend("g", { type: "b" });
    await layer().receive(channel);
    await layer().receive(channel);
    await layer().groupDiscard("g", channel);
    const timed = (operation: string) =>
      metrics.get("channels_layer_operation_duration_seconds", { ...L, operation });
    expect([
      timed("newChannel"),
      timed("send"),
      timed("groupAdd"),
      timed("groupSend"),
      timed("groupDiscard"),
    ]).toEqual([1, 1, 1, 1, 1]);
    expect(metrics.get("channels_layer_messages_received_total", L)).toBe(2);
  });

  it("counts ChannelFull as an error and a drop, and group drops at capacity", async () => {
    const channel = await layer().newChannel();
    await layer().send(channel, { type: "a" });
    await layer().send(channel, { type: "a" });
    await expect(layer().send(channel, { type: "a" })).rejects.toBeInstanceOf(ChannelFull);
    await layer().groupAdd("g", channel);
    await layer().groupSend("g", { type: "b" });
    expect(
      metrics.get("channels_layer_operation_errors_total", { ...L, operation: "send", error: "ChannelFull" }),
    ).toBe(1);
    expect(metrics.get("channels_messages_dropped_total", { reason: "channel_full" })).toBe(2);
  });

  it("counts expired messages", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const channel = await layer().newChannel();
    await layer().send(channel, { type: "old" });
    await layer().send(channel, { type: "old" });
    vi.advanceTimersByTime(1_001);
    await layer().send(channel, { type: "new" });
    expect(metrics.get("channels_messages_dropped_total", { reason: "expired" })).toBe(2);
  });

  it("does not count a receive its signal aborted as an error", async () => {
    const stop = new AbortController();
    const pending = layer().receive(await layer().newChannel(), stop.signal);
    stop.abort();
    await expect(pending).rejects.toBeDefined();
    await Promise.resolve();
    expect(metrics.snapshot().filter((s) => s.name === "channels_layer_operation_errors_total")).toEqual([]);
  });

  it("reports the channels, queued messages and groups it holds at each scrape", async () => {
    const a = await layer().newChannel();
    await layer().send(a, { type: "x" });
    await layer().send(a, { type: "x" });
    await layer().groupAdd("g1", a);
    await layer().groupAdd("g2", a);
    const gauge = (name: string) =>
      metrics.snapshot().find((s) => s.name === name && s.labels.layer === L.layer)?.value;
    expect([
      gauge("channels_layer_channels"),
      gauge("channels_layer_queued_messages"),
      gauge("channels_layer_groups"),
    ]).toEqual([1, 2, 2]);
    await layer().receive(a);
    await layer().receive(a);
    expect(gauge("channels_layer_channels")).toBe(0);
  });
});

class Room extends AsyncWebsocketConsumer {
  group = "";
  override async connect() {
    this.group = `room_${this.scope.path.slice(1)}`;
    await this.channelLayer!.groupAdd(this.group, this.channelName);
    await this.accept();
  }
  override async receive(text?: string) {
    await this.channelLayer!.groupSend(this.group, { type: "room.message", text });
  }
  async room_message(event: { text: string }) {
    await this.send(event.text);
  }
}

async function talkIn(room: string): Promise<void> {
  const comm = new WebsocketCommunicator(Room.asAsgi(), `/${room}`);
  expect((await comm.connect()).connected).toBe(true);
  await comm.sendTo("hi");
  expect(await comm.receiveFrom()).toBe("hi");
  await comm.disconnect();
}

describe("consumer metrics", () => {
  it("times handlers by consumer class and handler name", async () => {
    await talkIn("a");
    const handler = (name: string) =>
      metrics.get("channels_handler_duration_seconds", { consumer: "Room", handler: name });
    expect(handler("websocket_connect")).toBe(1);
    expect(handler("websocket_receive")).toBe(1);
    expect(handler("room_message")).toBe(1);
  });

  it("labels a message without a handler handleUnknown, never by its type", async () => {
    const comm = new WebsocketCommunicator(Room.asAsgi(), "/a");
    await comm.connect();
    const channel = [...layer().groups.get("room_a")!.keys()][0]!;
    await layer().send(channel, { type: "xyzzy.thing" });
    await comm.wait(1_000).catch(() => {});
    expect(metrics.get("channels_handler_errors_total", { consumer: "Room", handler: "handleUnknown" })).toBe(
      1,
    );
    expect(metrics.snapshot().some((s) => Object.values(s.labels).some((v) => v.includes("xyzzy")))).toBe(
      false,
    );
  });

  it("keeps the number of series constant over 1000 different groups (no group in a label)", async () => {
    await talkIn("warmup-0");
    await talkIn("warmup-1");
    const before = metrics.snapshot().length;
    for (let i = 0; i < 1000; i++) await talkIn(`r${i}`);
    expect(metrics.snapshot().length).toBe(before);
    expect(
      metrics.get("channels_handler_duration_seconds", { consumer: "Room", handler: "room_message" }),
    ).toBe(1002);
  });
});
