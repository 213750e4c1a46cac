import { createHmac, timingSafeEqual } from "node:crypto";
import { ImproperlyConfigured } from "../exceptions";
import { isSessionKey } from "./session-key";

/** Secrets shorter than this are too easy to guess offline from one signed cookie. */
const MIN_SECRET_LENGTH = 32;
/** Keeps signatures of this middleware apart from anything else signed with the same secret. */
const SALT = "channels-ts.sessions.cookie";

/** What `verify()` found in a valid cookie. */
export interface VerifiedSessionCookie {
  sessionKey: string;
  /** Signed with an older secret: the cookie should be re-sent, signed with the current one. */
  signedWithOldSecret: boolean;
}

/**
 * Signs session keys for the session cookie (`<key>.<HMAC-SHA256>`), and checks them against the
 * current secret and older ones, so secrets can be rotated without logging everyone out.
 */
export class SessionCookieSigner {
  private readonly secrets: readonly string[];

  /** `secret`: the current secret, or `[current, ...older]` while rotating. */
  constructor(secret: string | readonly string[] | undefined) {
    this.secrets = validateSecrets(secret);
  }

  /** The cookie value for `sessionKey`, signed with the current secret. */
  sign(sessionKey: string): string {
    return `${sessionKey}.${this.signature(this.secrets[0]!, sessionKey)}`;
  }

  /** The session key of a cookie signed with any of the secrets, or `null` for anything else. */
  verify(cookieValue: string): VerifiedSessionCookie | null {
    const dot = cookieValue.indexOf(".");
    if (dot === -1) return null;
    const sessionKey = cookieValue.slice(0, dot);
    if (!isSessionKey(sessionKey)) return null;
    const given = Buffer.from(cookieValue.slice(dot + 1));
    for (const [index, secret] of this.secrets.entries()) {
      const expected = Buffer.from(this.signature(secret, sessionKey));
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        return { sessionKey, signedWithOldSecret: index > 0 };
      }
    }
    return null;
  }

  private signature(secret: string, sessionKey: string): string {
    return createHmac("sha256", secret).update(`${SALT}:${sessionKey}`).digest("base64url");
  }
}

function validateSecrets(secret: string | readonly string[] | undefined): readonly string[] {
  if (secret === undefined) {
    throw new ImproperlyConfigured(
      "Sessions need a secret to sign their cookie, and it is undefined: set the environment variable you pass as { secret } (e.g. SESSION_SECRET) " +
        "to a random string of 32+ characters, e.g. from `openssl rand -base64 48`.",
    );
  }
  const secrets = typeof secret === "string" ? [secret] : secret;
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new ImproperlyConfigured(
      "Sessions need a secret to sign their cookie: pass { secret: process.env.SESSION_SECRET } " +
        "(a random string of 32+ characters, e.g. from `openssl rand -base64 48`), or [newSecret, oldSecret] while rotating.",
    );
  }
  for (const item of secrets) {
    if (typeof item !== "string" || item.length < MIN_SECRET_LENGTH) {
      throw new ImproperlyConfigured(
        `Every session secret must be a string of at least ${MIN_SECRET_LENGTH} characters; got ` +
          `${typeof item === "string" ? `one of ${item.length}` : typeof item}. Generate one with \`openssl rand -base64 48\`.`,
      );
    }
  }
  return Object.freeze([...secrets]);
}
