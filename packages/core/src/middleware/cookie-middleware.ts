import { copyScope } from "../protocol/copy-scope";
import type { Application, Receive, Scope, Send } from "../protocol/types";
import { isConnectionScope } from "./connection-scope";
import {
  type HeaderCarrier,
  parseCookieHeaders,
  renderSetCookie,
  type SetCookieOptions,
} from "./cookie-header";
import { keepPathRouting } from "./path-routing";
import { requireApplication } from "./require-application";

/** What `CookieMiddleware` adds to HTTP and WebSocket scopes. */
export interface CookieScope {
  /** The request's cookies, name → decoded value; `{}` when it sent none. */
  cookies: Record<string, string>;
}

/**
 * Appends a `Set-Cookie` header to an outgoing event (`http.response.start`, `websocket.accept` or a
 * denial response), creating its `headers` list when missing.
 */
export function setCookie(
  message: HeaderCarrier,
  key: string,
  value = "",
  options: SetCookieOptions = {},
): void {
  const header = renderSetCookie(key, value, options);
  if (!message.headers) message.headers = [];
  message.headers.push(["set-cookie", header]);
}

/** Options of `deleteCookie`: they must match the ones the cookie was set with. */
export type DeleteCookieOptions = Pick<SetCookieOptions, "path" | "domain" | "secure" | "sameSite">;

/** Appends a `Set-Cookie` header that makes the browser forget `key` (empty, expired, `Max-Age=0`). */
export function deleteCookie(message: HeaderCarrier, key: string, options: DeleteCookieOptions = {}): void {
  const { path, domain, secure, sameSite } = options;
  setCookie(message, key, "", { path, domain, secure, sameSite, maxAgeMs: 0 });
}

/** `CookieMiddleware` is a factory function that also carries Django's `setCookie`/`deleteCookie`. */
export interface CookieMiddlewareFactory {
  /** Wraps `inner` so HTTP and WebSocket scopes carry `scope.cookies`. */
  (inner: Application): Application;
  setCookie: typeof setCookie;
  deleteCookie: typeof deleteCookie;
}

function cookieMiddleware(inner: Application): Application {
  requireApplication(inner, "CookieMiddleware");
  const app = async (scope: Scope, receive: Receive, send: Send): Promise<void> => {
    if (!isConnectionScope(scope)) return inner(scope, receive, send);
    if (!Array.isArray(scope.headers)) {
      throw new TypeError(
        `CookieMiddleware was passed a ${scope.type} scope without a headers list; it reads cookies from scope.headers ([name, value] pairs).`,
      );
    }
    const cookies = parseCookieHeaders(scope.headers);
    return inner(copyScope(scope, { cookies }), receive, send);
  };
  return keepPathRouting(app, inner);
}

/**
 * Parses the request's `cookie` headers into `scope.cookies`. HTTP and WebSocket scopes only;
 * lifespan and channel scopes pass through untouched.
 */
export const CookieMiddleware: CookieMiddlewareFactory = Object.assign(cookieMiddleware, {
  setCookie,
  deleteCookie,
});
