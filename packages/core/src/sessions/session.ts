import { SessionInterrupted } from "../exceptions";
import { newSessionKey } from "./session-key";
import type { SessionCookieSigner } from "./session-signer";
import type { SessionData, SessionStore } from "./session-store";

/** Django's default session age: two weeks. */
export const DEFAULT_SESSION_MAX_AGE_MS = 1_209_600_000;

/** What a `Session` is made from; `SessionMiddleware` fills it in. */
export interface SessionInit {
  /** Where the session is saved. */
  store: SessionStore;
  /** Signs the cookie value; without it `cookieValue` is `null`. */
  signer?: SessionCookieSigner;
  /** How long a saved session lives in the store. @default 1_209_600_000 (two weeks) */
  maxAgeMs?: number;
  /** The key the data was loaded from; `null` (default) for a new session. */
  sessionKey?: string | null;
  /** The loaded data. @default {} */
  data?: SessionData;
}

/**
 * One client's session: `scope.session`. Read and write it with `get`/`set`/`delete`. Over HTTP,
 * `SessionMiddleware` saves it when the response starts; over a WebSocket call `await save()`.
 * Values must survive JSON (plain objects, arrays, strings, numbers, booleans, null).
 */
export class Session<Data extends SessionData = SessionData> {
  readonly #store: SessionStore;
  readonly #signer: SessionCookieSigner | undefined;
  readonly #maxAgeMs: number;
  #key: string | null;
  #data: SessionData;
  #modified = false;
  /** The key is known to the store (loaded or saved by us), so a missing entry means it was deleted. */
  #stored: boolean;

  constructor(init: SessionInit) {
    this.#store = init.store;
    this.#signer = init.signer;
    this.#maxAgeMs = init.maxAgeMs ?? DEFAULT_SESSION_MAX_AGE_MS;
    this.#key = init.sessionKey ?? null;
    this.#data = { ...(init.data ?? {}) };
    this.#stored = this.#key !== null;
  }

  /** The key the session is stored under; `null` until first saved. */
  get sessionKey(): string | null {
    return this.#key;
  }

  /** The signed value of the session cookie for this key, e.g. to hand to a WebSocket client. */
  get cookieValue(): string | null {
    return this.#key !== null && this.#signer ? this.#signer.sign(this.#key) : null;
  }

  /** Changed since loaded or saved. Set it to `true` after changing a nested value in place. */
  get modified(): boolean {
    return this.#modified;
  }
  set modified(value: boolean) {
    this.#modified = value;
  }

  get isEmpty(): boolean {
    return Object.keys(this.#data).length === 0;
  }

  get<K extends keyof Data & string>(key: K): Data[K] | undefined {
    return Object.hasOwn(this.#data, key) ? (this.#data[key] as Data[K]) : undefined;
  }

  /** Sets `key`; `undefined` removes it (JSON could not keep it anyway). */
  set<K extends keyof Data & string>(key: K, value: Data[K]): this {
    if (value === undefined) this.delete(key);
    else {
      this.#data[key] = value;
      this.#modified = true;
    }
    return this;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.#data, key);
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: string): boolean {
    if (!Object.hasOwn(this.#data, key)) return false;
    delete this.#data[key];
    this.#modified = true;
    return true;
  }

  keys(): string[] {
    return Object.keys(this.#data);
  }

  /** Removes every key but keeps the session key (Django's `clear()`). */
  clear(): void {
    this.#data = {};
    this.#modified = true;
  }

  /** A copy of the data. */
  toJSON(): Data {
    return structuredClone(this.#data) as Data;
  }

  /**
   * Writes the session to the store, making a key first if it has none. Throws `SessionInterrupted`
   * when the stored session was deleted meanwhile (a logout elsewhere), rather than reviving it.
   *
   * As in Django, saving does not clear `modified` (and a new key sets it): over HTTP the
   * middleware then saves again as the response starts and sends the session cookie with it.
   */
  async save(): Promise<void> {
    if (this.#key !== null && this.#stored && (await this.#store.load(this.#key)) === null) {
      throw new SessionInterrupted(
        "The session was deleted before it could be saved, most likely by a logout in another request or tab. " +
          "The client should start again: call session.flush() to begin a new session, or reload the page.",
      );
    }
    if (this.#key === null) {
      this.#key = newSessionKey();
      this.#modified = true; // the client needs the new key: the response must carry the cookie
    }
    await this.#store.save(this.#key, structuredClone(this.#data), this.#maxAgeMs);
    this.#stored = true;
  }

  /** Empties the session and deletes it from the store; a new key is made on the next save (logout). */
  async flush(): Promise<void> {
    const old = this.#key;
    this.#data = {};
    this.#key = null;
    this.#stored = false;
    this.#modified = true;
    if (old !== null) await this.#store.delete(old);
  }

  /** Keeps the data under a new key and deletes the old one, against session fixation (login). */
  async cycleKey(): Promise<void> {
    const old = this.#key;
    this.#key = newSessionKey();
    this.#stored = false;
    this.#modified = true;
    if (old !== null) await this.#store.delete(old);
  }
}
