import type { SessionData, SessionStore } from "./session-store";

/** Options of `InMemorySessionStore`. */
export interface InMemorySessionStoreOptions {
  /** The clock, in ms since the epoch; tests pass a fake one. @default Date.now */
  now?: () => number;
  /**
   * The most sessions kept. Saving a new one beyond it first sweeps expired sessions, then evicts
   * the least recently used (its user gets a fresh, empty session), so cookieless clients cannot
   * grow the process without bound.
   * @default 10_000
   */
  maxEntries?: number;
}

/** `InMemorySessionStoreOptions.maxEntries` when not given. */
export const DEFAULT_MAX_SESSION_ENTRIES = 10_000;

let warnedInProduction = false;

/** One warning per process: in production, sessions belong in a shared store. */
function warnInProduction(): void {
  if (warnedInProduction || process.env.NODE_ENV !== "production") return;
  warnedInProduction = true;
  process.emitWarning(
    "Sessions are kept in this process's memory (InMemorySessionStore) with NODE_ENV=production: they are " +
      "lost on restart, not shared between processes and capped in number. Pass { store: new RedisSessionStore(...) } " +
      "to the session middleware.",
    { code: "CHANNELS_IN_MEMORY_SESSIONS" },
  );
}

/** Expired entries are swept at most this often, on a save, so the map cannot grow without bound. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Sessions in this process's memory: for development, tests and single-process apps. They vanish
 * on restart and are not shared between processes; use `RedisSessionStore` for those.
 */
export class InMemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, { data: SessionData; expiresAt: number }>();
  private readonly now: () => number;
  private readonly maxEntries: number;
  private lastSweep: number;

  constructor(options: InMemorySessionStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_SESSION_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`InMemorySessionStore maxEntries must be a positive integer; got ${maxEntries}.`);
    }
    this.maxEntries = maxEntries;
    this.now = options.now ?? Date.now;
    this.lastSweep = this.now();
    warnInProduction();
  }

  async load(sessionKey: string): Promise<SessionData | null> {
    const entry = this.entries.get(sessionKey);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(sessionKey);
      return null;
    }
    // Most recently used last, so eviction takes the least recently used first.
    this.entries.delete(sessionKey);
    this.entries.set(sessionKey, entry);
    // Copies, so a caller changing its data cannot change what is stored without save().
    return structuredClone(entry.data);
  }

  async save(sessionKey: string, data: SessionData, maxAgeMs: number): Promise<void> {
    const now = this.now();
    const entry = { data: structuredClone(data), expiresAt: now + maxAgeMs };
    if (!this.entries.delete(sessionKey) && this.entries.size >= this.maxEntries) {
      // Map order is least recently used first.
      for (const key of this.entries.keys()) {
        if (this.entries.size < this.maxEntries) break;
        this.entries.delete(key);
      }
    }
    this.entries.set(sessionKey, entry);
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) this.sweep(now);
  }

  async delete(sessionKey: string): Promise<void> {
    this.entries.delete(sessionKey);
  }

  /** How many sessions are held, expired ones not yet swept included. */
  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
