// Layer messages: validation (IM-12) and deep copies (IM-11), for every layer.
import { describe, expect, it } from "vitest";
import { InvalidMessageError } from "../exceptions";
import type { LayerMessage } from "../protocol/types";
import { requireValidMessage } from "./base";
import { copyMessage } from "./message";

function thrown(fn: () => void): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("did not throw");
}

describe("requireValidMessage", () => {
  it.each([
    ["a string", "hello", "got string."],
    ["an array", [{ type: "m" }], "got an array."],
    ["null", null, "got null."],
    ["a number", 3, "got number."],
    ["a class instance", new (class Msg {})(), "got object."],
  ])("refuses %s: not a plain object", (_what, bad, tail) => {
    const error = thrown(() => requireValidMessage(bad));
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.name).toBe("InvalidMessageError");
    expect(error.message).toBe(
      `A channel layer message must be a plain object with a string "type", like { type: "chat.message", text: "hi" }; ${tail}`,
    );
  });

  it.each([
    ["no type", { text: "hi" }, "undefined"],
    ["an empty type", { type: "" }, '""'],
    ["a numeric type", { type: 3 }, "3"],
  ])("refuses a message with %s", (_what, bad, shown) => {
    const error = thrown(() => requireValidMessage(bad));
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error.message).toBe(
      `A channel layer message needs a non-empty string "type" naming its handler (e.g. "chat.message" runs chat_message); got ${shown}.`,
    );
  });

  it("refuses the reserved __asgi_channel__ key", () => {
    const error = thrown(() => requireValidMessage({ type: "m", __asgi_channel__: "x" }));
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error.message).toBe(
      'The key "__asgi_channel__" is reserved for the layer\'s own routing; rename it in your message.',
    );
  });

  it("accepts plain objects, including ones without a prototype", () => {
    expect(() => requireValidMessage({ type: "m", text: "hi" })).not.toThrow();
    expect(() => requireValidMessage(Object.assign(Object.create(null), { type: "m" }))).not.toThrow();
  });
});

describe("copyMessage", () => {
  it("IM-11 makes a deep copy: changes to the original do not reach it", () => {
    const original = { type: "m", list: [1, [2]], inner: { a: 1 }, bytes: new Uint8Array([1, 2]) };
    const copy = copyMessage(original);
    expect(copy).toEqual(original);
    original.list.push(3);
    (original.list[1] as number[]).push(9);
    original.inner.a = 2;
    original.bytes[0] = 99;
    expect(copy).toEqual({ type: "m", list: [1, [2]], inner: { a: 1 }, bytes: new Uint8Array([1, 2]) });
    expect(copy.bytes).not.toBe(original.bytes);
  });

  it("keeps the values a layer can carry", () => {
    const message = {
      type: "m",
      s: "☃",
      n: 1.5,
      big: 2n ** 64n,
      yes: true,
      none: null,
      missing: undefined,
      buffer: Buffer.from([1]),
      nested: { deep: [{ x: [] }] },
    };
    const copy = copyMessage(message);
    expect(copy).toEqual({ ...message, buffer: new Uint8Array([1]) });
    expect(copy.buffer).toBeInstanceOf(Uint8Array);
  });

  it("copies an object reached twice (not a cycle) twice", () => {
    const shared = { v: 1 };
    const copy = copyMessage({ type: "m", a: shared, b: shared });
    expect(copy.a).toEqual({ v: 1 });
    expect(copy.a).not.toBe(copy.b);
  });

  it.each([
    ["a function", { type: "m", f: () => 1 }, "message.f is a function: ", "Send data, not behaviour."],
    ["a symbol", { type: "m", s: Symbol("s") }, "message.s is a symbol: ", "Use a string instead."],
    [
      "a Date",
      { type: "m", when: new Date(0) },
      "message.when is a Date: ",
      "Send date.toISOString() or date.getTime().",
    ],
    ["a Map", { type: "m", m: new Map() }, "message.m is a Map: ", "Send Object.fromEntries(map)."],
    ["a Set", { type: "m", s: new Set() }, "message.s is a Set: ", "Send [...set]."],
    [
      "a Float32Array",
      { type: "m", f: new Float32Array(1) },
      "message.f is a Float32Array: ",
      "Send a Uint8Array (or a Buffer).",
    ],
    [
      "an ArrayBuffer",
      { type: "m", b: new ArrayBuffer(1) },
      "message.b is an ArrayBuffer: ",
      "Send a Uint8Array (or a Buffer).",
    ],
    [
      "a class instance",
      { type: "m", p: new (class Point {})() },
      "message.p is an instance of Point: ",
      "Send a plain object with its fields instead.",
    ],
    [
      "a nested bad value",
      { type: "m", list: [{ ok: 1 }, { f: () => 1 }] },
      "message.list[1].f is a function: ",
      "Send data, not behaviour.",
    ],
  ])("refuses %s, naming where it is and what to send instead", (_what, bad, head, hint) => {
    const error = thrown(() => copyMessage(bad as LayerMessage));
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error.message.startsWith(head)).toBe(true);
    expect(error.message).toContain(
      "layer messages carry only strings, numbers, bigints, booleans, null, Uint8Array, arrays and plain objects",
    );
    expect(error.message.endsWith(hint)).toBe(true);
  });

  it("refuses a cycle", () => {
    const cyclic: LayerMessage = { type: "m", inner: {} };
    (cyclic.inner as Record<string, unknown>).back = cyclic;
    const error = thrown(() => copyMessage(cyclic));
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error.message).toMatch(
      /^message\.inner\.back is a reference back to one of its parents \(a cycle\)/,
    );
    expect(error.message).toMatch(/Flatten it first\.$/);
  });

  it("refuses an own __proto__ key instead of giving the copy an attacker-made prototype", () => {
    const forwarded = { ...JSON.parse('{"type":"m","user":{"__proto__":{"isAdmin":true}}}') } as LayerMessage;
    const error = thrown(() => copyMessage(forwarded));
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error.message).toMatch(/^message\.user\.__proto__ is an own "__proto__" key/);
    // An inherited __proto__ (every object has one) is not a key: plain messages still copy.
    expect(copyMessage({ type: "m", user: { name: "x" } })).toEqual({ type: "m", user: { name: "x" } });
  });
});
