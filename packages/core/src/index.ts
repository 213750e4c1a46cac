// The application API. Layer authors' building blocks are on `@channels-ts/core/layers`.
export * from "./auth/index";
export * from "./consumers/index";
export * from "./exceptions";
export type { BaseChannelLayerOptions, ChannelLayer, DroppedMessage } from "./layers/base";
export type { ChannelCapacity } from "./layers/capacity";
export { isValidChannelName, isValidGroupName, MAX_NAME_LENGTH } from "./layers/names";
export {
  ChannelLayerManager,
  channelLayers,
  DEFAULT_CHANNEL_LAYER,
  getChannelLayer,
} from "./layers/registry";
export * from "./metrics/index";
export * from "./middleware/index";
export * from "./protocol/types";
export * from "./routing/index";
export * from "./security/index";
export * from "./sessions/index";
