export { ChannelNameRouter } from "./channel-name-router";
export { converters, type PathConverter } from "./converters";
export { type ProtocolTypeMapping, ProtocolTypeRouter } from "./protocol-type-router";
export type { CheckRouteKwargs, RouteKwargs, RouteParams } from "./route-params";
export {
  isPathRouting,
  markPathRouting,
  path,
  Route,
  type RouteOptions,
  rePath,
  URLRouter,
} from "./url-router";
