import { describe, expect, it } from "vitest";
import { InMemorySessionStore } from "./in-memory-session-store";

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
});
