export { ChannelNameRouter } from "./channel-name-router";
export { converters, type PathConverter } from "./converters";
export { type ProtocolTypeMapping, ProtocolTypeRouter } from "./protocol-type-router";
export type { CheckRouteKwargs, RouteKwargs, RouteParams } from "./route-params";
export {
  DEFAULT_MAX_PATH_LENGTH,
  path,
  Route,
  type RouteOptions,
  rePath,
  URLRouter,
  type URLRouterOptions,
} from "./url-router";
