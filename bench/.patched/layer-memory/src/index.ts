export { InMemoryChannelLayer, type InMemoryChannelLayerOptions } from "./in-memory-layer";
