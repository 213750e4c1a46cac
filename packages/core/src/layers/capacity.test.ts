// Channel capacities: fnmatch-style globs and RegExps, as Django Channels compiles them (IM-18).
import { describe, expect, it } from "vitest";
import { ImproperlyConfigured } from "../exceptions";
import { CapacityTable, globToRegExp } from "./capacity";

describe("globToRegExp", () => {
  it.each([
    ["small*", "small", true],
    ["small*", "small-channel!abc", true],
    ["small*", "xsmall", false],
    ["a?c", "abc", true],
    ["a?c", "ac", false],
    ["a.c", "a.c", true],
    ["a.c", "abc", false],
    ["[ab]x", "bx", true],
    ["[ab]x", "cx", false],
    ["[!ab]x", "cx", true],
    ["[!ab]x", "ax", false],
    ["[a-c]x", "bx", true],
    ["a[", "a[", true],
    ["a+b", "a+b", true],
    ["a+b", "aab", false],
    ["(x)", "(x)", true],
    ["chat", "chat", true],
    ["chat", "chats", false],
  ])("%j matches %j: %s", (glob, name, expected) => {
    expect(globToRegExp(glob).test(name)).toBe(expected);
  });
});

describe("CapacityTable", () => {
  it("gives the default capacity without rules", () => {
    expect(new CapacityTable(100).get("anything")).toBe(100);
  });

  it("takes a plain object of globs", () => {
    const table = new CapacityTable(100, { "small*": 1, "http.response!*": 5 });
    expect(table.get("small-1")).toBe(1);
    expect(table.get("http.response!abc")).toBe(5);
    expect(table.get("other")).toBe(100);
  });

  it("takes [RegExp | glob, capacity] pairs; the first match wins", () => {
    const table = new CapacityTable(3, [
      [/^tiny-/, 1],
      ["small-*", 2],
      ["small-x*", 5],
    ]);
    expect(table.get("tiny-a")).toBe(1);
    expect(table.get("small-xy")).toBe(2);
    expect(table.get("other")).toBe(3);
  });

  it("is not fooled by a RegExp with the g flag (lastIndex)", () => {
    const table = new CapacityTable(3, [[/big/g, 50]]);
    for (let i = 0; i < 5; i++) expect(table.get(`big-${i}`)).toBe(50);
  });

  it("gives the same answer from its cache", () => {
    const table = new CapacityTable(3, { "a*": 7 });
    expect(table.get("abc")).toBe(7);
    expect(table.get("abc")).toBe(7);
    expect(table.get("bcd")).toBe(3);
    expect(table.get("bcd")).toBe(3);
  });

  it.each([0, -1, 1.5, Number.NaN, "3"])("refuses the capacity %j with ImproperlyConfigured", (bad) => {
    expect(() => new CapacityTable(bad as number)).toThrow(ImproperlyConfigured);
    expect(() => new CapacityTable(bad as number)).toThrow(
      `capacity must be a whole number of messages ≥ 1; got ${String(bad)}.`,
    );
  });

  it("refuses a bad channelCapacity entry, naming it", () => {
    expect(() => new CapacityTable(3, { "small*": 0 })).toThrow(
      "channelCapacity[small*] must be a whole number of messages ≥ 1; got 0.",
    );
    expect(() => new CapacityTable(3, [[42 as unknown as string, 1]])).toThrow(
      "channelCapacity[42]: a pattern must be a glob string or a RegExp.",
    );
  });
});
