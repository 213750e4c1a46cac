// The in-memory layer lives in core (as Django's lives in `channels.layers`), so core's own tests
// run on it; this package keeps the import path applications know.
export { InMemoryChannelLayer, type InMemoryChannelLayerOptions } from "@channels-ts/core/layers";
