export { InMemorySessionStore, type InMemorySessionStoreOptions } from "./in-memory-session-store";
export { DEFAULT_SESSION_MAX_AGE_MS, Session, type SessionInit } from "./session";
export { SessionMiddleware, SessionMiddlewareStack, type SessionScope } from "./session-middleware";
export type { SessionCookieOptions, SessionMiddlewareOptions } from "./session-options";
export { SessionCookieSigner, type VerifiedSessionCookie } from "./session-signer";
export type { SessionData, SessionStore } from "./session-store";
