import { InvalidChannelLayerError } from "../exceptions";
import type { ChannelLayer } from "./base";

/** Django's `DEFAULT_CHANNEL_LAYER`. */
export const DEFAULT_CHANNEL_LAYER = "default";

/**
 * The process-wide layer registry (Django's `channel_layers`). Consumers look their layer up here
 * by `channelLayerAlias`; `serve({ layers })` registers into it.
 */
export class ChannelLayerManager {
  constructor(private readonly layers = new Map<string, ChannelLayer>()) {}

  /** Registers `layer` under `alias`; returns the layer it replaced, if any. */
  set(alias: string, layer: ChannelLayer): ChannelLayer | undefined {
    if (typeof alias !== "string" || alias === "") {
      throw new InvalidChannelLayerError(`A layer alias must be a non-empty string; got ${String(alias)}.`);
    }
    if (!layer || typeof layer.send !== "function" || typeof layer.receive !== "function") {
      throw new InvalidChannelLayerError(
        `channelLayers.set("${alias}", layer): layer must implement the ChannelLayer interface (send, receive, newChannel, …), e.g. new InMemoryChannelLayer().`,
      );
    }
    const previous = this.layers.get(alias);
    this.layers.set(alias, layer);
    return previous;
  }

  /** The layer registered as `alias`, or `null`. */
  get(alias: string = DEFAULT_CHANNEL_LAYER): ChannelLayer | null {
    return this.layers.get(alias) ?? null;
  }

  has(alias: string): boolean {
    return this.layers.has(alias);
  }

  delete(alias: string): boolean {
    return this.layers.delete(alias);
  }

  get aliases(): string[] {
    return [...this.layers.keys()];
  }

  /** Forgets every registered layer without closing it (for test isolation). */
  reset(): void {
    this.layers.clear();
  }

  /** Closes every registered layer, then forgets them. */
  async closeAll(): Promise<void> {
    const layers = [...new Set(this.layers.values())];
    this.layers.clear();
    await Promise.all(layers.map((layer) => layer.close()));
  }
}

// One map per process, even when the ESM and the CJS build of core are both loaded (the `channels`
// CLI is ESM and may load a CommonJS application): both copies find it under the same global symbol.
const REGISTRY = Symbol.for("channels-ts.channelLayers");
const holder = globalThis as { [REGISTRY]?: Map<string, ChannelLayer> };
holder[REGISTRY] ??= new Map();

/** The process-wide registry. */
export const channelLayers = new ChannelLayerManager(holder[REGISTRY]);

/** The layer registered as `alias` (default `"default"`), or `null` when none is. */
export function getChannelLayer(alias: string = DEFAULT_CHANNEL_LAYER): ChannelLayer | null {
  return channelLayers.get(alias);
}
