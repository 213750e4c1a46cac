import { timingSafeEqual } from "node:crypto";
import { ImproperlyConfigured } from "../exceptions";
import type { Scope } from "../protocol/types";
import { Session } from "../sessions/session";
import { AnonymousUser, isAuthenticated } from "./anonymous-user";
import { type AuthOptions, authOptionsOf } from "./auth-options";

/** The session key holding the logged-in user's id (Django's `SESSION_KEY`). */
export const SESSION_USER_ID_KEY = "_auth_user_id";
/** The session key holding `getSessionHash(user)` (Django's `HASH_SESSION_KEY`). */
export const SESSION_USER_HASH_KEY = "_auth_user_hash";

/** Any scope, or a plain object standing in for one in tests. */
type ScopeLike = Record<string, unknown>;

function requireSession(scope: ScopeLike, caller: string): Session {
  const session = scope?.session;
  if (!(session instanceof Session)) {
    throw new ImproperlyConfigured(
      `${caller}() cannot find scope.session. Wrap your application in AuthMiddlewareStack(app, options) ` +
        "(or SessionMiddlewareStack(app, options)) so every connection has a session.",
    );
  }
  return session;
}

function userIdOf<User>(user: User, options: Partial<AuthOptions<User>>): string {
  const id = options.getUserId ? options.getUserId(user) : (user as { id?: unknown }).id;
  if (typeof id === "string" && id !== "") return id;
  if (typeof id === "number" && Number.isFinite(id)) return String(id);
  throw new TypeError(
    "login() cannot tell the user's id: give your users an `id` (a non-empty string or a number), " +
      "or pass getUserId(user) to AuthMiddlewareStack / login().",
  );
}

function sameHash(stored: unknown, expected: string): boolean {
  if (typeof stored !== "string") return false;
  const a = Buffer.from(stored);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Logs `user` in on this connection: records them in the session (a new session key against
 * fixation, or a flushed session when another user was logged in) and sets `scope.user`. Like
 * Django it does not save: HTTP responses save the session, WebSocket consumers
 * `await scope.session.save()`.
 */
export async function login<User>(
  scope: ScopeLike,
  user?: User | null,
  options?: Partial<AuthOptions<User>>,
): Promise<void> {
  const session = requireSession(scope, "login");
  const config = authOptionsOf(scope, options);
  const target = user ?? (scope.user as User | AnonymousUser | undefined);
  if (!isAuthenticated(target)) {
    throw new TypeError("login() needs a user: pass it as login(scope, user), or set scope.user first.");
  }
  const id = userIdOf(target, config);
  const hash = config.getSessionHash?.(target);
  const current = session.get(SESSION_USER_ID_KEY);
  if (current !== undefined) {
    const otherUser =
      current !== id || (hash !== undefined && !sameHash(session.get(SESSION_USER_HASH_KEY), hash));
    if (otherUser) await session.flush();
  } else {
    await session.cycleKey();
  }
  session.set(SESSION_USER_ID_KEY, id);
  if (hash !== undefined) session.set(SESSION_USER_HASH_KEY, hash);
  scope.user = target;
  await config.onLogin?.(target, scope);
}

/** Logs the connection out: flushes the session and, when `scope.user` exists, makes it anonymous. */
export async function logout<User>(scope: ScopeLike, options?: Partial<AuthOptions<User>>): Promise<void> {
  const session = requireSession(scope, "logout");
  const config = authOptionsOf(scope, options);
  const user = scope.user as User | AnonymousUser | undefined;
  if (isAuthenticated(user)) await config.onLogout?.(user, scope);
  await session.flush();
  if ("user" in scope) scope.user = new AnonymousUser();
}

/**
 * The user the session is logged in as, loaded with `resolveUser`; `AnonymousUser` when nobody is,
 * the user is gone, or their credentials changed since (the session is then flushed).
 */
export async function getUser<User>(
  scope: ScopeLike,
  options?: Partial<AuthOptions<User>>,
): Promise<User | AnonymousUser> {
  const session = requireSession(scope, "getUser");
  const config = authOptionsOf(scope, options);
  const id = session.get(SESSION_USER_ID_KEY);
  if (typeof id !== "string") return new AnonymousUser();
  if (!config.resolveUser) {
    throw new ImproperlyConfigured(
      "getUser() needs a user resolver: wrap your app in AuthMiddlewareStack(app, { secret, resolveUser }), " +
        "or call getUser(scope, { resolveUser }).",
    );
  }
  const user = await config.resolveUser(id, scope as Scope);
  if (user === null || user === undefined) return new AnonymousUser();
  if (config.getSessionHash && !sameHash(session.get(SESSION_USER_HASH_KEY), config.getSessionHash(user))) {
    await session.flush();
    return new AnonymousUser();
  }
  return user;
}
