// Core's own test helpers for channel layers. Core is the root of the package graph, so its tests
// cannot import the workspace's test packages (they depend on core): the few helpers live here.
import { afterEach, beforeEach } from "vitest";
import type { ChannelLayer } from "../../src/layers/base";
import { channelLayers } from "../../src/layers/registry";
import type { LayerMessage } from "../../src/protocol/types";

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

/** Resolves with the next message, or with `null` if none comes within `ms`, and never leaves a receiver behind. */
export async function receiveWithin(
  layer: ChannelLayer,
  channel: string,
  ms = 10_000,
): Promise<LayerMessage | null> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("timeout")), ms);
  try {
    return await layer.receive(channel, controller.signal);
  } catch (error) {
    if (controller.signal.aborted) return null;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
