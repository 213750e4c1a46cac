import { InvalidMessageError } from "@channels-ts/core";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage } from "./codec";

const roundTrip = (message: { type: string; [key: string]: unknown }) =>
  decodeMessage(encodeMessage(message));

describe("MessagePack codec", () => {
  it("round-trips integers at every width boundary, as numbers while safe", () => {
    const values = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER];
    const all = [
      ...values,
      ...values.map((v) => -v),
      -32,
      -33,
      -128,
      -129,
      -32_768,
      -32_769,
      -(2 ** 31),
      -(2 ** 31) - 1,
    ];
    expect(roundTrip({ type: "n", all }).all).toEqual(all);
  });

  it("keeps bigints beyond the safe range as bigints, and safe ones become numbers", () => {
    const got = roundTrip({ type: "b", max: 2n ** 64n - 1n, min: -(2n ** 63n), small: 5n });
    expect(got.max).toBe(2n ** 64n - 1n);
    expect(got.min).toBe(-(2n ** 63n));
    expect(got.small).toBe(5);
  });

  it("round-trips floats, strings of every length class, bytes, nesting, null and booleans", () => {
    const message = {
      type: "mix",
      floats: [1.5, -0.25, 1e300, Number.POSITIVE_INFINITY],
      strings: ["", "a".repeat(31), "b".repeat(32), "c".repeat(300), "d".repeat(70_000), "naïve ☃ 🌍"],
      bytes: [new Uint8Array(0), new Uint8Array(300).fill(7), new Uint8Array(70_000).fill(9)],
      nested: { list: Array.from({ length: 20 }, (_, i) => ({ i })), none: null, yes: true, no: false },
    };
    const got = roundTrip(message);
    expect(got.floats).toEqual(message.floats);
    expect(got.strings).toEqual(message.strings);
    expect((got.bytes as Uint8Array[]).map((b) => [b.length, b[0]])).toEqual([
      [0, undefined],
      [300, 7],
      [70_000, 9],
    ]);
    expect(got.nested).toEqual(message.nested);
  });

  it("leaves out keys holding undefined, as JSON does", () => {
    expect(roundTrip({ type: "u", gone: undefined, kept: 1 })).toEqual({ type: "u", kept: 1 });
    expect(Object.keys(roundTrip({ type: "u", gone: undefined }))).toEqual(["type"]);
  });

  it("refuses to encode an own __proto__ key, as every layer does", () => {
    const message = JSON.parse('{"type":"p","__proto__":{"polluted":true}}') as { type: string };
    expect(() => encodeMessage(message)).toThrow(InvalidMessageError);
  });

  it("decodes a __proto__ key that arrives on the wire as data", () => {
    // {"type": "p", "__proto__": {"polluted": true}} written by another encoder.
    const str = (s: string) => [0xa0 | s.length, ...Buffer.from(s)];
    const bytes = Buffer.from([
      0x82,
      ...str("type"),
      ...str("p"),
      ...str("__proto__"),
      0x81,
      ...str("polluted"),
      0xc3,
    ]);
    const got = decodeMessage(bytes);
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(got)).toContain("__proto__");
  });

  it("refuses bigints beyond 64 bits with InvalidMessageError", () => {
    expect(() => encodeMessage({ type: "b", big: 2n ** 64n })).toThrow(InvalidMessageError);
    expect(() => encodeMessage({ type: "b", big: 2n ** 64n })).toThrow(/64 bits/);
  });

  it("names unencodable values the way copyMessage does", () => {
    expect(() => encodeMessage({ type: "d", when: new Date(0) })).toThrow(/message\.when is a Date/);
    const cyclic: { type: string; self?: unknown } = { type: "c" };
    cyclic.self = cyclic;
    expect(() => encodeMessage(cyclic)).toThrow(InvalidMessageError);
  });

  it("rejects payloads that are not a message", () => {
    expect(() => decodeMessage(Buffer.from([0x01]))).toThrow(/not a MessagePack map/);
    expect(() => decodeMessage(Buffer.from([0x81, 0xa1, 0x78, 0x01]))).toThrow(/type/);
    expect(() => decodeMessage(Buffer.from([0xdb, 0xff]))).toThrow(RangeError);
  });
});
