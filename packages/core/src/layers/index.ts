// `@channels-ts/core/layers`: what layer authors need. Applications import the registry, the
// `ChannelLayer` type and the name checks from the root; this subpath adds the building blocks.
export {
  BaseChannelLayer,
  type BaseChannelLayerOptions,
  type ChannelLayer,
  type DroppedMessage,
  requireValidMessage,
} from "./base";
export { CapacityTable, type ChannelCapacity, globToRegExp } from "./capacity";
export { InMemoryChannelLayer, type InMemoryChannelLayerOptions } from "./in-memory-layer";
export { copyMessage } from "./message";
export {
  isValidChannelName,
  isValidGroupName,
  MAX_NAME_LENGTH,
  nonLocalName,
  requireValidChannelName,
  requireValidGroupName,
} from "./names";
export { ChannelLayerManager, channelLayers, DEFAULT_CHANNEL_LAYER, getChannelLayer } from "./registry";
export { WaitingReceivers } from "./waiting-receivers";
