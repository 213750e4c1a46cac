/** What a session holds: JSON-compatible values keyed by name. */
export type SessionData = Record<string, unknown>;

/**
 * Where sessions live between requests. Core ships an in-memory store; `@channels-ts/layer-redis`
 * ships `RedisSessionStore`. Keys are opaque random strings made by the session middleware.
 */
export interface SessionStore {
  /** The data saved under `sessionKey`, or `null` when there is none (never saved, expired or deleted). */
  load(sessionKey: string): Promise<SessionData | null>;
  /** Saves `data` under `sessionKey`, to expire `maxAgeMs` from now. */
  save(sessionKey: string, data: SessionData, maxAgeMs: number): Promise<void>;
  /** Forgets `sessionKey`; no error when it is unknown. */
  delete(sessionKey: string): Promise<void>;
}
