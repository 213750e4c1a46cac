export { AnonymousUser, isAuthenticated } from "./anonymous-user";
export {
  AuthMiddleware,
  AuthMiddlewareStack,
  type AuthMiddlewareStackOptions,
  type AuthScope,
} from "./auth-middleware";
export type { AuthOptions, Awaitable } from "./auth-options";
export { getUser, login, logout, SESSION_USER_HASH_KEY, SESSION_USER_ID_KEY } from "./login";
export { TokenAuthMiddleware, type TokenAuthOptions, type TokenContext } from "./token-auth-middleware";
export type { TokenCarrier } from "./token-carriers";
