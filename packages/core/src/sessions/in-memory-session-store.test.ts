import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_MAX_SESSION_ENTRIES, InMemorySessionStore } from "./in-memory-session-store";

describe("InMemorySessionStore", () => {
  it("saves, loads and deletes", async () => {
    const store = new InMemorySessionStore();
    expect(await store.load("k")).toBeNull();
    await store.save("k", { a: 1 }, 60_000);
    expect(await store.load("k")).toEqual({ a: 1 });
    await store.delete("k");
    expect(await store.load("k")).toBeNull();
    await store.delete("never-there");
  });

  it("keeps copies, so later changes to the caller's objects are not stored", async () => {
    const store = new InMemorySessionStore();
    const data = { cart: [1] };
    await store.save("k", data, 60_000);
    data.cart.push(2);
    const loaded = (await store.load("k")) as { cart: number[] };
    loaded.cart.push(3);
    expect(await store.load("k")).toEqual({ cart: [1] });
  });

  it("forgets sessions once their max age has passed, and sweeps them out", async () => {
    let now = 1_000_000;
    const store = new InMemorySessionStore({ now: () => now });
    await store.save("short", { a: 1 }, 1_000);
    await store.save("long", { b: 2 }, 3_600_000);
    now += 999;
    expect(await store.load("short")).toEqual({ a: 1 });
    now += 1;
    expect(await store.load("short")).toBeNull();
    await store.save("other", { c: 3 }, 1_000);
    now += 120_000;
    await store.save("trigger", {}, 1_000);
    // "other" expired and was swept by the save above, without anyone loading it.
    expect(store.size).toBe(2);
    expect(await store.load("long")).toEqual({ b: 2 });
  });

  it("holds at most maxEntries sessions, evicting the least recently used", async () => {
    const store = new InMemorySessionStore({ maxEntries: 3 });
    await store.save("a", { n: 1 }, 60_000);
    await store.save("b", { n: 2 }, 60_000);
    await store.save("c", { n: 3 }, 60_000);
    expect(await store.load("a")).toEqual({ n: 1 }); // a is now the most recently used
    await store.save("c", { n: 33 }, 60_000); // re-saving a key evicts nothing
    expect(store.size).toBe(3);
    await store.save("d", { n: 4 }, 60_000);
    expect(store.size).toBe(3);
    expect(await store.load("b")).toBeNull();
    expect(await store.load("a")).toEqual({ n: 1 });
    expect(await store.load("c")).toEqual({ n: 33 });
    expect(await store.load("d")).toEqual({ n: 4 });
  });

  it("20,000 cookieless sessions stay within the documented default cap", async () => {
    const store = new InMemorySessionStore();
    for (let i = 0; i < 20_000; i++) await store.save(`k${i}`, { i }, 60_000);
    expect(DEFAULT_MAX_SESSION_ENTRIES).toBe(10_000);
    expect(store.size).toBe(DEFAULT_MAX_SESSION_ENTRIES);
    expect(await store.load("k19999")).toEqual({ i: 19_999 });
    expect(await store.load("k0")).toBeNull();
  });

  it("refuses a maxEntries that is not a positive integer", () => {
    expect(() => new InMemorySessionStore({ maxEntries: 0 })).toThrow(
      /maxEntries must be a positive integer/,
    );
  });

  describe("with NODE_ENV=production", () => {
    afterEach(() => {
      vi.unstubAllEnvs();
      vi.restoreAllMocks();
      vi.resetModules();
    });

    it("warns once per process, naming the store to use instead", async () => {
      vi.stubEnv("NODE_ENV", "production");
      vi.resetModules();
      const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
      const fresh = await import("./in-memory-session-store");
      new fresh.InMemorySessionStore();
      new fresh.InMemorySessionStore();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/NODE_ENV=production.*RedisSessionStore/);
    });

    it("stays quiet outside production", async () => {
      vi.stubEnv("NODE_ENV", "development");
      vi.resetModules();
      const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
      const fresh = await import("./in-memory-session-store");
      new fresh.InMemorySessionStore();
      expect(warn).not.toHaveBeenCalled();
    });
  });
});
