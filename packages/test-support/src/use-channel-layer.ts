import type { ChannelLayer } from "@channels-ts/core";
import { channelLayers } from "@channels-ts/core";
import { afterEach, beforeEach } from "vitest";

/**
 * Registers a fresh layer from `make()` as `alias` before each test, and forgets and closes it
 * after. Returns a getter for the current test's layer.
 */
export function useChannelLayer<L extends ChannelLayer>(make: () => L, alias = "default"): () => L {
  let layer: L | undefined;
  beforeEach(() => {
    layer = make();
    channelLayers.set(alias, layer);
  });
  afterEach(async () => {
    channelLayers.delete(alias);
    await layer?.close();
    layer = undefined;
  });
  return () => {
    if (!layer) throw new Error("useChannelLayer(): the layer exists only while a test runs.");
    return layer;
  };
}
