import { describe, expect, it } from "vitest";
import { ImproperlyConfigured } from "../exceptions";
import { newSessionKey } from "./session-key";
import { SessionCookieSigner } from "./session-signer";

const SECRET = "s".repeat(32);
const OLD_SECRET = "o".repeat(40);

describe("SessionCookieSigner", () => {
  it("signs a key and verifies it back", () => {
    const signer = new SessionCookieSigner(SECRET);
    const key = newSessionKey();
    const cookie = signer.sign(key);
    expect(cookie.startsWith(`${key}.`)).toBe(true);
    expect(signer.verify(cookie)).toEqual({ sessionKey: key, signedWithOldSecret: false });
  });

  it("rejects a tampered signature or key, and junk", () => {
    const signer = new SessionCookieSigner(SECRET);
    const key = newSessionKey();
    const cookie = signer.sign(key);
    const flipped = cookie.slice(0, -1) + (cookie.endsWith("A") ? "B" : "A");
    expect(signer.verify(flipped)).toBeNull();
    const otherKey = newSessionKey();
    expect(signer.verify(`${otherKey}${cookie.slice(key.length)}`)).toBeNull();
    expect(signer.verify(key)).toBeNull();
    expect(signer.verify("")).toBeNull();
    expect(signer.verify("short.sig")).toBeNull();
    expect(signer.verify(`${cookie}x`)).toBeNull();
  });

  it("rejects a cookie signed with a secret it does not know", () => {
    const cookie = new SessionCookieSigner(OLD_SECRET).sign(newSessionKey());
    expect(new SessionCookieSigner(SECRET).verify(cookie)).toBeNull();
  });

  it("accepts cookies signed with an older secret while rotating, and signs with the first", () => {
    const key = newSessionKey();
    const oldCookie = new SessionCookieSigner(OLD_SECRET).sign(key);
    const rotating = new SessionCookieSigner([SECRET, OLD_SECRET]);
    expect(rotating.verify(oldCookie)).toEqual({ sessionKey: key, signedWithOldSecret: true });
    expect(rotating.sign(key)).toBe(new SessionCookieSigner(SECRET).sign(key));
  });

  it("refuses missing or short secrets with advice", () => {
    expect(() => new SessionCookieSigner([])).toThrow(ImproperlyConfigured);
    expect(() => new SessionCookieSigner(undefined as unknown as string)).toThrow(/need a secret/);
    expect(() => new SessionCookieSigner("too-short")).toThrow(/at least 32 characters/);
    expect(() => new SessionCookieSigner([SECRET, "short"])).toThrow(/at least 32 characters/);
  });
});
