import { ImproperlyConfigured } from "../exceptions";
import { isConnectionScope } from "../middleware/connection-scope";
import { CookieMiddleware } from "../middleware/cookie-middleware";
import { keepPathRouting } from "../middleware/path-routing";
import { requireApplication } from "../middleware/require-application";
import { copyScope } from "../protocol/copy-scope";
import type { Application, Receive, Scope, Send } from "../protocol/types";
import { SessionMiddleware } from "../sessions/session-middleware";
import type { SessionMiddlewareOptions } from "../sessions/session-options";
import type { AnonymousUser } from "./anonymous-user";
import { type AuthOptions, attachAuthOptions, validateAuthOptions } from "./auth-options";
import { getUser } from "./login";

/** What `AuthMiddleware` and `TokenAuthMiddleware` add to HTTP and WebSocket scopes. */
export interface AuthScope<User> {
  user: User | AnonymousUser;
}

/**
 * Sets `scope.user` from the session, with your `resolveUser`, before the inner application runs.
 * Must run inside `SessionMiddleware`; `AuthMiddlewareStack` assembles the three layers.
 */
export function AuthMiddleware<User>(inner: Application, options: AuthOptions<User>): Application {
  requireApplication(inner, "AuthMiddleware");
  validateAuthOptions(options, "AuthMiddleware");
  const app = async (scope: Scope, receive: Receive, send: Send): Promise<void> => {
    if (!isConnectionScope(scope)) return inner(scope, receive, send);
    if (scope.session === undefined) {
      throw new ImproperlyConfigured(
        "AuthMiddleware cannot find scope.session: SessionMiddleware must run around it. Use " +
          "AuthMiddlewareStack(app, options), which is CookieMiddleware(SessionMiddleware(AuthMiddleware(app, options), options)).",
      );
    }
    const innerScope = copyScope(scope);
    attachAuthOptions(innerScope, options);
    if (innerScope.user === undefined) innerScope.user = await getUser<User>(innerScope);
    return inner(innerScope, receive, send);
  };
  return keepPathRouting(app, inner);
}

/** Options of `AuthMiddlewareStack`: the session's and auth's. */
export type AuthMiddlewareStackOptions<User> = SessionMiddlewareOptions & AuthOptions<User>;

/** `CookieMiddleware(SessionMiddleware(AuthMiddleware(inner, options), options))`. */
export function AuthMiddlewareStack<User>(
  inner: Application,
  options: AuthMiddlewareStackOptions<User>,
): Application {
  validateAuthOptions(options, "AuthMiddlewareStack");
  return CookieMiddleware(SessionMiddleware(AuthMiddleware(inner, options), options));
}
