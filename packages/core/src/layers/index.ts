export {
  BaseChannelLayer,
  type BaseChannelLayerOptions,
  type ChannelLayer,
  type DroppedMessage,
  requireValidMessage,
} from "./base";
export { CapacityTable, type ChannelCapacity, globToRegExp } from "./capacity";
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
