import { ImproperlyConfigured } from "../exceptions";
import { isConnectionScope } from "../middleware/connection-scope";
import { CookieMiddleware, deleteCookie, setCookie } from "../middleware/cookie-middleware";
import { keepPathRouting } from "../middleware/path-routing";
import { requireApplication } from "../middleware/require-application";
import { copyScope } from "../protocol/copy-scope";
import type { Application, HttpResponseStartEvent, Receive, Scope, Send, SendEvent } from "../protocol/types";
import { Session } from "./session";
import {
  type ResolvedSessionOptions,
  resolveSessionOptions,
  type SessionMiddlewareOptions,
} from "./session-options";
import type { SessionData } from "./session-store";

/** What `SessionMiddleware` adds to HTTP and WebSocket scopes. */
export interface SessionScope<Data extends SessionData = SessionData> {
  session: Session<Data>;
}

/**
 * Loads the client's session from the signed session cookie into `scope.session` before the inner
 * application runs. A missing, tampered or foreign-secret cookie, or an expired session, gives a
 * new empty session. HTTP sessions are saved when the response starts (not on a 5xx); WebSocket
 * sessions only when you `await scope.session.save()`. Must run inside `CookieMiddleware`; use
 * `SessionMiddlewareStack` for both.
 */
export function SessionMiddleware(inner: Application, options: SessionMiddlewareOptions): Application {
  requireApplication(inner, "SessionMiddleware");
  const resolved = resolveSessionOptions(options);
  const app = async (scope: Scope, receive: Receive, send: Send): Promise<void> => {
    if (!isConnectionScope(scope)) return inner(scope, receive, send);
    // An outer session middleware already did the work and will do the saving.
    if (scope.session !== undefined) return inner(copyScope(scope), receive, send);
    const cookies = scope.cookies as Record<string, string> | undefined;
    if (cookies === null || typeof cookies !== "object") {
      throw new ImproperlyConfigured(
        "SessionMiddleware found no scope.cookies: it must run inside CookieMiddleware. " +
          "Use SessionMiddlewareStack(app, options), which is CookieMiddleware(SessionMiddleware(app, options)).",
      );
    }
    const cookieValue = cookies[resolved.cookieName];
    const { session, signedWithOldSecret } = await loadSession(cookieValue, resolved);
    const innerSend =
      scope.type === "http"
        ? savingSend(send, session, cookieValue !== undefined, signedWithOldSecret, resolved)
        : send;
    return inner(copyScope(scope, { session }), receive, innerSend);
  };
  return keepPathRouting(app, inner);
}

/** `CookieMiddleware(SessionMiddleware(inner, options))`. */
export function SessionMiddlewareStack(inner: Application, options: SessionMiddlewareOptions): Application {
  return CookieMiddleware(SessionMiddleware(inner, options));
}

async function loadSession(
  cookieValue: string | undefined,
  options: ResolvedSessionOptions,
): Promise<{ session: Session; signedWithOldSecret: boolean }> {
  const { store, signer, maxAgeMs } = options;
  // Never an exception for a bad cookie: a forged or stale one just means "no session".
  const verified = cookieValue ? signer.verify(cookieValue) : null;
  const data = verified ? await store.load(verified.sessionKey) : null;
  if (!verified || data === null) {
    return { session: new Session({ store, signer, maxAgeMs }), signedWithOldSecret: false };
  }
  return {
    session: new Session({ store, signer, maxAgeMs, sessionKey: verified.sessionKey, data }),
    signedWithOldSecret: verified.signedWithOldSecret,
  };
}

/** Wraps an HTTP `send` to save the session and set its cookie as the response starts. */
function savingSend(
  send: Send,
  session: Session,
  cookieWasSent: boolean,
  signedWithOldSecret: boolean,
  options: ResolvedSessionOptions,
): Send {
  return async (event: SendEvent) => {
    // Django does not save on a server error: the request probably did not finish its work.
    if (event.type !== "http.response.start" || (event.status ?? 200) >= 500) return send(event);
    const start: HttpResponseStartEvent = { ...event, headers: [...(event.headers ?? [])] };
    if (session.modified || options.saveEveryRequest) {
      if (session.isEmpty) {
        // Nothing worth keeping: forget it rather than store an empty session.
        if (session.sessionKey !== null) await session.flush();
        if (cookieWasSent) deleteCookie(start, options.cookieName, options.cookie);
        session.modified = false;
      } else {
        await session.save();
        setSessionCookie(start, session, options);
      }
    } else if (signedWithOldSecret) {
      // Rotation: re-sign the cookie with the current secret so the old one can be retired.
      setSessionCookie(start, session, options);
    }
    return send(start);
  };
}

function setSessionCookie(
  start: HttpResponseStartEvent,
  session: Session,
  options: ResolvedSessionOptions,
): void {
  setCookie(start, options.cookieName, session.cookieValue!, {
    ...options.cookie,
    maxAgeMs: options.expireAtBrowserClose ? undefined : options.maxAgeMs,
  });
}
