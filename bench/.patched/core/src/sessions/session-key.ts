import { randomBytes } from "node:crypto";

const SESSION_KEY_PATTERN = /^[A-Za-z0-9_-]{32}$/;

/** A new unguessable session key: 24 random bytes, 32 URL-safe characters. */
export function newSessionKey(): string {
  return randomBytes(24).toString("base64url");
}

/** Whether `key` has the shape `newSessionKey()` makes; anything else never reaches the store. */
export function isSessionKey(key: string): boolean {
  return SESSION_KEY_PATTERN.test(key);
}
