import { describe, expect, it } from "vitest";
import { SessionInterrupted } from "../exceptions";
import { InMemorySessionStore } from "./in-memory-session-store";
import { Session } from "./session";
import { SessionCookieSigner } from "./session-signer";

describe("Session", () => {
  it("tracks changes", () => {
    const session = new Session<{ color?: string; n?: number }>({ store: new InMemorySessionStore() });
    expect(session.isEmpty).toBe(true);
    expect(session.modified).toBe(false);
    session.set("color", "blue");
    expect(session.get("color")).toBe("blue");
    expect(session.has("color")).toBe(true);
    expect(session.modified).toBe(true);
    expect(session.keys()).toEqual(["color"]);
    expect(session.delete("n")).toBe(false);
    expect(session.delete("color")).toBe(true);
    expect(session.isEmpty).toBe(true);
    session.set("n", 1).set("n", undefined);
    expect(session.has("n")).toBe(false);
  });

  it("gets a key and a signed cookie value on first save", async () => {
    const store = new InMemorySessionStore();
    const signer = new SessionCookieSigner("x".repeat(32));
    const session = new Session({ store, signer });
    expect(session.sessionKey).toBeNull();
    expect(session.cookieValue).toBeNull();
    session.set("a", 1);
    await session.save();
    // Django keeps a saved session marked modified, so the response still carries its cookie.
    expect(session.modified).toBe(true);
    expect(await store.load(session.sessionKey!)).toEqual({ a: 1 });
    expect(signer.verify(session.cookieValue!)?.sessionKey).toBe(session.sessionKey);
  });

  it("flush() empties it and deletes it from the store", async () => {
    const store = new InMemorySessionStore();
    const session = new Session({ store });
    session.set("a", 1);
    await session.save();
    const key = session.sessionKey!;
    await session.flush();
    expect(session.sessionKey).toBeNull();
    expect(session.isEmpty).toBe(true);
    expect(await store.load(key)).toBeNull();
  });

  it("cycleKey() moves the data to a new key and drops the old one", async () => {
    const store = new InMemorySessionStore();
    const session = new Session({ store });
    session.set("a", 1);
    await session.save();
    const oldKey = session.sessionKey!;
    await session.cycleKey();
    expect(session.sessionKey).not.toBe(oldKey);
    expect(await store.load(oldKey)).toBeNull();
    await session.save();
    expect(await store.load(session.sessionKey!)).toEqual({ a: 1 });
  });

  it("save() throws SessionInterrupted when the stored session was deleted meanwhile (SE-07)", async () => {
    const store = new InMemorySessionStore();
    const session = new Session({ store });
    session.set("a", 1);
    await session.save();
    await store.delete(session.sessionKey!);
    session.set("a", 2);
    await expect(session.save()).rejects.toThrow(SessionInterrupted);
    expect(await store.load(session.sessionKey!)).toBeNull();
  });

  it("toJSON() is a copy", () => {
    const session = new Session({ store: new InMemorySessionStore(), data: { list: [1] } });
    (session.toJSON().list as number[]).push(2);
    expect(session.get("list")).toEqual([1]);
  });
});
