// Django Channels' layer registry tests (LY-03, LY-10), adapted: no Django settings; the registry is
// channelLayers.set / get / reset.

import { afterEach, describe, expect, it } from "vitest";
import { InvalidChannelLayerError } from "../exceptions";
import type { ChannelLayer } from "./base";
import { InMemoryChannelLayer } from "./in-memory-layer";
import { ChannelLayerManager, channelLayers, DEFAULT_CHANNEL_LAYER, getChannelLayer } from "./registry";

afterEach(() => {
  channelLayers.reset();
});

describe("channel layer registry", () => {
  it("LY-03 ★ (adapted) empty at first, holds a layer once set, empty again after reset()", async () => {
    channelLayers.reset();
    expect(channelLayers.aliases).toEqual([]);
    expect(getChannelLayer()).toBeNull();
    const layer = new InMemoryChannelLayer();
    channelLayers.set("default", layer);
    expect(getChannelLayer()).toBe(layer);
    expect(getChannelLayer("default")).toBe(layer);
    expect(channelLayers.get()).toBe(layer);
    expect(channelLayers.has("default")).toBe(true);
    expect(channelLayers.aliases).toEqual(["default"]);
    channelLayers.reset();
    expect(getChannelLayer()).toBeNull();
    expect(channelLayers.aliases).toEqual([]);
    await layer.close();
  });

  it("LY-10 an alias nobody registered gives null", () => {
    expect(DEFAULT_CHANNEL_LAYER).toBe("default");
    expect(getChannelLayer("unconfigured")).toBeNull();
  });

  it("reset() forgets layers without closing them", async () => {
    const layer = new InMemoryChannelLayer();
    channelLayers.set("default", layer);
    channelLayers.reset();
    await layer.send("still-open", { type: "m" });
    expect(await layer.receive("still-open")).toEqual({ type: "m" });
    await layer.close();
  });

  it("set() replaces a layer and returns the one it replaced", async () => {
    const first = new InMemoryChannelLayer();
    const second = new InMemoryChannelLayer();
    expect(channelLayers.set("default", first)).toBeUndefined();
    expect(channelLayers.set("default", second)).toBe(first);
    expect(getChannelLayer()).toBe(second);
    await first.close();
    await second.close();
  });

  it("delete() forgets one alias", async () => {
    const layer = new InMemoryChannelLayer();
    channelLayers.set("a", layer);
    channelLayers.set("b", layer);
    expect(channelLayers.delete("a")).toBe(true);
    expect(channelLayers.delete("a")).toBe(false);
    expect(channelLayers.aliases).toEqual(["b"]);
    await layer.close();
  });

  it("closeAll() closes every registered layer once, then forgets them", async () => {
    const manager = new ChannelLayerManager();
    let closes = 0;
    const layer = new InMemoryChannelLayer();
    const close = layer.close.bind(layer);
    layer.close = async () => {
      closes++;
      await close();
    };
    manager.set("a", layer);
    manager.set("b", layer);
    await manager.closeAll();
    expect(closes).toBe(1);
    expect(manager.aliases).toEqual([]);
  });

  it("refuses something that is not a layer, with InvalidChannelLayerError that says what to pass", () => {
    let error: unknown;
    try {
      channelLayers.set("default", {} as ChannelLayer);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidChannelLayerError);
    expect((error as Error).name).toBe("InvalidChannelLayerError");
    expect((error as Error).message).toBe(
      'channelLayers.set("default", layer): layer must implement the ChannelLayer interface (send, receive, newChannel, …), e.g. new InMemoryChannelLayer().',
    );
    expect(() => channelLayers.set("default", null as unknown as ChannelLayer)).toThrow(
      InvalidChannelLayerError,
    );
  });

  it("refuses an empty or non-string alias", () => {
    const layer = new InMemoryChannelLayer();
    expect(() => channelLayers.set("", layer)).toThrow(InvalidChannelLayerError);
    expect(() => channelLayers.set("", layer)).toThrow("A layer alias must be a non-empty string; got .");
    expect(() => channelLayers.set(7 as unknown as string, layer)).toThrow(
      "A layer alias must be a non-empty string; got 7.",
    );
  });
});
