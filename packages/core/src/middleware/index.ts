export { BaseMiddleware } from "./base-middleware";
export type { ConnectionScope } from "./connection-scope";
export type { HeaderCarrier, SameSite, SetCookieOptions } from "./cookie-header";
export {
  CookieMiddleware,
  type CookieMiddlewareFactory,
  type CookieScope,
  type DeleteCookieOptions,
  deleteCookie,
  setCookie,
} from "./cookie-middleware";
export { keepPathRouting } from "./path-routing";
