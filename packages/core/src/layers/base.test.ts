// BaseChannelLayer: options every layer shares, checked through a minimal subclass.
import { describe, expect, it } from "vitest";
import { ImproperlyConfigured, InvalidChannelNameError, InvalidMessageError } from "../exceptions";
import type { LayerMessage } from "../protocol/types";
import { BaseChannelLayer, type BaseChannelLayerOptions, type DroppedMessage } from "./base";
import { MAX_NAME_LENGTH } from "./names";

class TestLayer extends BaseChannelLayer {
  constructor(options?: BaseChannelLayerOptions) {
    super(options);
  }
  drop(group: string, channel: string) {
    this.recordDrop(group, channel);
  }
  async send(): Promise<void> {}
  async receive(): Promise<LayerMessage> {
    return { type: "m" };
  }
  async newChannel(): Promise<string> {
    return "specific.test!x";
  }
  async groupAdd(): Promise<void> {}
  async groupDiscard(): Promise<void> {}
  async groupSend(): Promise<void> {}
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

describe("BaseChannelLayer", () => {
  it("has Django's defaults, in milliseconds", () => {
    const layer = new TestLayer();
    expect(layer.expiryMs).toBe(60_000);
    expect(layer.groupExpiryMs).toBe(86_400_000);
    expect(layer.capacity).toBe(100);
    expect(layer.extensions).toEqual(["groups", "flush"]);
    expect(layer.droppedMessages).toBe(0);
    expect(MAX_NAME_LENGTH).toBe(100);
  });

  it("resolves per-channel capacities", () => {
    const layer = new TestLayer({ capacity: 5, channelCapacity: { "small*": 1 } });
    expect(layer.getCapacity("small-a")).toBe(1);
    expect(layer.getCapacity("big")).toBe(5);
  });

  it.each([
    ["expiryMs", { expiryMs: -1 }, "expiryMs must be a duration in milliseconds ≥ 0; got -1."],
    [
      "groupExpiryMs",
      { groupExpiryMs: Number.POSITIVE_INFINITY },
      "groupExpiryMs must be a duration in milliseconds ≥ 0; got Infinity.",
    ],
    ["capacity", { capacity: 0 }, "capacity must be a whole number of messages ≥ 1; got 0."],
  ])("refuses a bad %s with ImproperlyConfigured", (_name, options, message) => {
    expect(() => new TestLayer(options)).toThrow(ImproperlyConfigured);
    expect(() => new TestLayer(options)).toThrow(message);
  });

  it("counts dropped messages and reports each to onDrop; a throwing hook breaks nothing", () => {
    const seen: DroppedMessage[] = [];
    const layer = new TestLayer({
      onDrop: (dropped) => {
        seen.push(dropped);
        throw new Error("faulty hook");
      },
    });
    layer.drop("g", "c1");
    layer.drop("g", "c2");
    expect(layer.droppedMessages).toBe(2);
    expect(seen).toEqual([
      { group: "g", channel: "c1", reason: "full" },
      { group: "g", channel: "c2", reason: "full" },
    ]);
  });

  it("validates names and messages with the shared rules", () => {
    const layer = new TestLayer();
    expect(() => layer.requireValidChannelName("bad name")).toThrow(InvalidChannelNameError);
    expect(() => layer.requireValidChannelName("a!b", true)).toThrow(/must end at the "!"/);
    expect(() => layer.requireValidGroupName("a!b")).toThrow(InvalidChannelNameError);
    expect(() => layer.requireValidMessage({ text: "no type" })).toThrow(InvalidMessageError);
  });
});
