import type { SessionData, SessionStore } from "./session-store";

/** Options of `InMemorySessionStore`. */
export interface InMemorySessionStoreOptions {
  /** The clock, in ms since the epoch; tests pass a fake one. @default Date.now */
  now?: () => number;
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
  private lastSweep: number;

  constructor(options: InMemorySessionStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.lastSweep = this.now();
  }

  async load(sessionKey: string): Promise<SessionData | null> {
    const entry = this.entries.get(sessionKey);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(sessionKey);
      return null;
    }
    // Copies, so a caller changing its data cannot change what is stored without save().
    return structuredClone(entry.data);
  }

  async save(sessionKey: string, data: SessionData, maxAgeMs: number): Promise<void> {
    const now = this.now();
    this.entries.set(sessionKey, { data: structuredClone(data), expiresAt: now + maxAgeMs });
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
