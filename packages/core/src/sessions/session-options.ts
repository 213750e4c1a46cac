import { ImproperlyConfigured } from "../exceptions";
import { normalizeSameSite, type SameSite } from "../middleware/cookie-header";
import { InMemorySessionStore } from "./in-memory-session-store";
import { DEFAULT_SESSION_MAX_AGE_MS } from "./session";
import { SessionCookieSigner } from "./session-signer";
import type { SessionStore } from "./session-store";

/** The session cookie's attributes (Django's `SESSION_COOKIE_*` settings). */
export interface SessionCookieOptions {
  /** @default "sessionid" */
  name?: string;
  /** Share the session with subdomains, e.g. `"example.com"`. @default the exact host */
  domain?: string;
  /** @default "/" */
  path?: string;
  /** Only send the cookie over HTTPS; turn it on in production. @default false */
  secure?: boolean;
  /** Hide the cookie from page scripts. @default true */
  httpOnly?: boolean;
  /** `SameSite` attribute; `false` leaves it out. `"none"` needs `secure: true`. @default "lax" */
  sameSite?: SameSite | false;
  /** How long a session lives, in the cookie and in the store. @default 1_209_600_000 (two weeks) */
  maxAgeMs?: number;
  /** Send the cookie without `Max-Age`/`Expires`, so the browser drops it on exit. @default false */
  expireAtBrowserClose?: boolean;
}

/** Options of `SessionMiddleware` and `SessionMiddlewareStack`. */
export interface SessionMiddlewareOptions {
  /**
   * The secret that signs the session cookie: a random string of 32+ characters kept out of source
   * control. To rotate, pass `[newSecret, oldSecret]`: new cookies are signed with the first, cookies
   * signed with any are accepted (and re-signed on the next HTTP response). Pass
   * `process.env.SESSION_SECRET` as is: when it is unset, building the middleware throws
   * `ImproperlyConfigured` saying so (never fall back to a secret written in source).
   */
  secret: string | readonly string[] | undefined;
  /**
   * Where sessions are kept. @default one `InMemorySessionStore` shared by every session middleware
   * of the process that has no store of its own
   */
  store?: SessionStore;
  /** The session cookie's attributes. */
  cookie?: SessionCookieOptions;
  /** Save the session (and refresh its cookie) on every HTTP response, not only when it changed. @default false */
  saveEveryRequest?: boolean;
}

/** Options checked and filled in. */
export interface ResolvedSessionOptions {
  signer: SessionCookieSigner;
  store: SessionStore;
  saveEveryRequest: boolean;
  cookieName: string;
  maxAgeMs: number;
  expireAtBrowserClose: boolean;
  cookie: {
    domain: string | undefined;
    path: string;
    secure: boolean;
    httpOnly: boolean;
    sameSite: "strict" | "lax" | "none" | false;
  };
}

let sharedStore: InMemorySessionStore | undefined;

/** One in-memory store for the whole process, so HTTP and WebSocket stacks see the same sessions. */
function defaultStore(): InMemorySessionStore {
  sharedStore ??= new InMemorySessionStore();
  return sharedStore;
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Checks the options once, when the middleware is built, so mistakes fail at startup. */
export function resolveSessionOptions(options: SessionMiddlewareOptions | undefined): ResolvedSessionOptions {
  if (options === null || typeof options !== "object") {
    throw new ImproperlyConfigured(
      "SessionMiddleware needs options with a secret: SessionMiddlewareStack(app, { secret: process.env.SESSION_SECRET }).",
    );
  }
  const signer = new SessionCookieSigner(options.secret);
  const store = options.store ?? defaultStore();
  if (
    typeof store.load !== "function" ||
    typeof store.save !== "function" ||
    typeof store.delete !== "function"
  ) {
    throw new ImproperlyConfigured(
      "The session store must implement SessionStore (load, save and delete); pass new InMemorySessionStore() or a RedisSessionStore.",
    );
  }
  const cookie = options.cookie ?? {};
  const cookieName = cookie.name ?? "sessionid";
  if (!COOKIE_NAME.test(cookieName)) {
    throw new ImproperlyConfigured(
      `Session cookie name ${JSON.stringify(cookieName)} is not a valid cookie name: use letters, digits and !#$%&'*+-.^_\`|~.`,
    );
  }
  const maxAgeMs = cookie.maxAgeMs ?? DEFAULT_SESSION_MAX_AGE_MS;
  if (!Number.isFinite(maxAgeMs) || maxAgeMs < 1000) {
    throw new ImproperlyConfigured(
      `cookie.maxAgeMs is the session lifetime in milliseconds and must be at least 1000; got ${String(maxAgeMs)}.`,
    );
  }
  const secure = cookie.secure ?? false;
  let sameSite: "strict" | "lax" | "none" | false;
  try {
    sameSite = normalizeSameSite(cookie.sameSite ?? "lax", secure);
  } catch (error) {
    throw new ImproperlyConfigured(`Session cookie: ${(error as Error).message}`);
  }
  return {
    signer,
    store,
    saveEveryRequest: options.saveEveryRequest ?? false,
    cookieName,
    maxAgeMs,
    expireAtBrowserClose: cookie.expireAtBrowserClose ?? false,
    cookie: {
      domain: cookie.domain,
      path: cookie.path ?? "/",
      secure,
      httpOnly: cookie.httpOnly ?? true,
      sameSite,
    },
  };
}
