import type { HttpScope, Scope, WebSocketScope } from "../protocol/types";

/** HTTP and WebSocket scopes: the ones with headers, cookies and users. */
export type ConnectionScope = HttpScope | WebSocketScope;

/** Lifespan and channel scopes have no client, so connection middleware lets them through untouched. */
export function isConnectionScope(scope: Scope): scope is ConnectionScope {
  return scope.type === "http" || scope.type === "websocket";
}
