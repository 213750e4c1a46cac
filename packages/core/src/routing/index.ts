export { ChannelNameRouter } from "./channel-name-router";
export { converters, type PathConverter } from "./converters";
export { type ProtocolTypeMapping, ProtocolTypeRouter } from "./protocol-type-router";
export {
  path,
  Route,
  type RouteOptions,
  rePath,
  URLRouter,
} from "./url-router";
