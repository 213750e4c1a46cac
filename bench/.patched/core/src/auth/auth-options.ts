import { ImproperlyConfigured } from "../exceptions";
import type { Scope } from "../protocol/types";

/** Something a callback may return as a value or as a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** How auth finds your users; no user model is ours. */
export interface AuthOptions<User> {
  /**
   * Loads the user whose id `login()` saved in the session; `null`/`undefined` when they no longer
   * exist (the connection is then anonymous).
   */
  resolveUser(userId: string, scope: Scope): Awaitable<User | null | undefined>;
  /** The id `login()` stores in the session. @default the user's `id` property (a string or number) */
  getUserId?(user: User): string | number;
  /**
   * A value that changes when the user's credentials do, e.g. an HMAC of their password hash
   * (Django's `get_session_auth_hash`). Sessions logged in before the change stop working.
   * @default none: sessions survive password changes
   */
  getSessionHash?(user: User): string;
  /** Called after `login()` (Django's `user_logged_in` signal). */
  onLogin?(user: User, scope: Record<string, unknown>): Awaitable<void>;
  /** Called by `logout()` for a logged-in user, before the session is flushed (`user_logged_out`). */
  onLogout?(user: User, scope: Record<string, unknown>): Awaitable<void>;
}

/** Where `AuthMiddleware` leaves its options for `login()`, `logout()` and `getUser()`. */
const AUTH_OPTIONS = Symbol.for("channels-ts.auth.options");

export function attachAuthOptions<User>(scope: Record<string, unknown>, options: AuthOptions<User>): void {
  (scope as Record<symbol, unknown>)[AUTH_OPTIONS] = options;
}

/** The options of the `AuthMiddleware` the scope went through, overridden by `explicit`. */
export function authOptionsOf<User>(
  scope: Record<string, unknown>,
  explicit: Partial<AuthOptions<User>> | undefined,
): Partial<AuthOptions<User>> {
  const attached = (scope as Record<symbol, unknown>)[AUTH_OPTIONS] as Partial<AuthOptions<User>> | undefined;
  return { ...attached, ...explicit };
}

/** Checks the options when the middleware is built. */
export function validateAuthOptions<User>(options: AuthOptions<User> | undefined, factory: string): void {
  if (options === null || typeof options !== "object" || typeof options.resolveUser !== "function") {
    throw new ImproperlyConfigured(
      `${factory} needs a user resolver: ${factory}(app, { resolveUser: async (id) => users.findById(id), ... }). ` +
        "It turns the id saved by login() back into your user object.",
    );
  }
  for (const name of ["getUserId", "getSessionHash", "onLogin", "onLogout"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") {
      throw new ImproperlyConfigured(
        `${factory} option ${name} must be a function; got ${typeof options[name]}.`,
      );
    }
  }
}
