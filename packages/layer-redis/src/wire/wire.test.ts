// Byte-for-byte checks against vectors observed from Python channels_redis 4.x.
import { InvalidMessageError } from "@channels-ts/core";
import { describe, expect, it } from "vitest";
import { consistentHash, crc32 } from "./crc-shard";
import { Fernet, InvalidToken, MultiFernet } from "./fernet";
import { MessageCodec } from "./message-codec";
import { mapHeader, packMessage, splitMap, unpackMessage } from "./msgpack-dialect";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const unhex = (text: string) => Buffer.from(text.replace(/\s+/g, ""), "hex");

describe("msgpack dialect (Python msgpack, use_bin_type=True)", () => {
  it("matches channels_redis' upstream test vector", () => {
    expect(hex(packMessage({ a: true, b: null, c: { d: [] } }))).toBe("83a161c3a162c0a16381a16490");
  });

  it("writes ints as ints, floats as float64, big ints as uint64, bytes as bin", () => {
    const packed = packMessage({ type: "demo.message", n: 1, f: 1.5, neg: -3, big: 4294967296 });
    expect(hex(packed)).toBe(
      "85a474797065ac64656d6f2e6d657373616765a16e01a166cb3ff8000000000000a36e6567fda3626967cf0000000100000000",
    );
    expect(hex(packMessage({ type: "b", blob: new Uint8Array([0, 1, 2, 255]) }))).toBe(
      "82a474797065a162a4626c6f62c404000102ff",
    );
    expect(hex(packMessage({ type: "u", max: 2n ** 64n - 1n }))).toBe(
      "82a474797065a175a36d6178cfffffffffffffffff",
    );
    // With an unsafe bigint in the message, the other big ints still go out as ints.
    expect(hex(packMessage({ type: "u", max: 2n ** 63n, n: 4294967296, m: -2147483649 }))).toBe(
      "84a474797065a175a36d6178cf8000000000000000a16ecf0000000100000000a16dd3ffffffff7fffffff",
    );
  });

  it("writes a process-local send exactly as Python does (annotated dump §1.4.2)", () => {
    const channel = "specific.0123456789abcdef0123456789abcdef!aaaa";
    const packed = packMessage({ type: "demo.message", n: 1, __asgi_channel__: channel });
    expect(hex(packed)).toBe(
      "83a474797065ac64656d6f2e6d657373616765a16e01b05f5f617367695f6368616e6e656c5f5fd92e" +
        Buffer.from(channel).toString("hex"),
    );
  });

  it("reads Python's uint64 as a number while safe and as a bigint beyond", () => {
    expect(unpackMessage(unhex("82a474797065a162a162cf0000000100000000"))).toEqual({
      type: "b",
      b: 4294967296,
    });
    expect(unpackMessage(unhex("82a474797065a162a162cfffffffffffffffff")).b).toBe(2n ** 64n - 1n);
    expect(unpackMessage(unhex("82a474797065a162a162d38000000000000000")).b).toBe(-(2n ** 63n));
  });

  it("turns safe bigints into plain ints, as Python would write them", () => {
    expect(hex(packMessage({ type: "s", n: 5n }))).toBe(hex(packMessage({ type: "s", n: 5 })));
  });

  it("rejects a bigint beyond 64 bits at encode time, naming its path", () => {
    expect(() => packMessage({ type: "x", deep: [{ v: 2n ** 64n }] })).toThrow(InvalidMessageError);
    expect(() => packMessage({ type: "x", deep: [{ v: 2n ** 64n }] })).toThrow(/message\.deep\[0\]\.v/);
  });

  it("splits a map and rebuilds its header for one more entry", () => {
    const { size, entries } = splitMap(packMessage({ type: "t", a: 1 }));
    expect(size).toBe(2);
    expect(hex(mapHeader(size + 1))).toBe("83");
    expect(hex(entries)).toBe("a474797065a174a16101");
    expect(hex(mapHeader(16))).toBe("de0010");
    expect(hex(mapHeader(70000))).toBe("df00011170");
  });
});

describe("Fernet as channels_redis makes it (sha256 key, no HKDF)", () => {
  const TOKEN =
    "gAAAAABlU_EAAAECAwQFBgcICQoLDA0OD0f7MngRuZ5H-ib8DhSRDoajsa4R6kE3Y4SHXrbQ-L38vzjuL3QtWhsE5JVMb1kq2Jzk9u2Dxg3CYwypXu7bjWo=";

  it("produces Python's token for the reference key, time and IV", () => {
    const iv = Uint8Array.from({ length: 16 }, (_, i) => i);
    const token = new Fernet("my-secret-key").encrypt(
      unhex("82a474797065a6736563726574a17601"),
      1700000000,
      iv,
    );
    expect(token.toString("ascii")).toBe(TOKEN);
  });

  it("decrypts it, and refuses a wrong key, an expired token and a tampered one", () => {
    const fernet = new Fernet("my-secret-key");
    expect(hex(fernet.decrypt(Buffer.from(TOKEN), 70, 1700000010))).toBe("82a474797065a6736563726574a17601");
    expect(() => new Fernet("other").decrypt(Buffer.from(TOKEN), undefined, 1700000010)).toThrow(
      InvalidToken,
    );
    expect(() => fernet.decrypt(Buffer.from(TOKEN), 70, 1700000100)).toThrow(/expired/);
    const tampered = Buffer.from(TOKEN);
    tampered[60] = tampered[60] === 0x41 ? 0x42 : 0x41;
    expect(() => fernet.decrypt(tampered, undefined, 1700000010)).toThrow(InvalidToken);
  });

  it("MultiFernet encrypts with the first key and decrypts with any", () => {
    const old = new MultiFernet(["old"]);
    const rotated = new MultiFernet(["new", "old"]);
    expect(hex(rotated.decrypt(old.encrypt(unhex("80"))))).toBe("80");
    expect(() => old.decrypt(rotated.encrypt(unhex("80")))).toThrow(InvalidToken);
  });
});

describe("MessageCodec", () => {
  it("puts 12 random bytes in front and strips them on the way back", () => {
    const codec = new MessageCodec({ randomPrefixLength: 12 });
    const a = codec.encode({ type: "demo.message", text: "hello" });
    const b = codec.encode({ type: "demo.message", text: "hello" });
    expect(hex(a.subarray(12))).toBe("82a474797065ac64656d6f2e6d657373616765a474657874a568656c6c6f");
    expect(hex(a.subarray(0, 12))).not.toBe(hex(b.subarray(0, 12)));
    expect(codec.decode(a)).toEqual({ type: "demo.message", text: "hello" });
  });

  it("encrypts after the prefix, as ASCII 'gAAAA…'", () => {
    const codec = new MessageCodec({ randomPrefixLength: 12, symmetricEncryptionKeys: ["k"], tokenTtlS: 70 });
    const stored = codec.encode({ type: "secret", v: 1 });
    expect(stored.subarray(12, 17).toString("ascii")).toBe("gAAAA");
    expect(codec.decode(stored)).toEqual({ type: "secret", v: 1 });
  });
});

describe("shard ring (channels_redis.utils._consistent_hash)", () => {
  it.each([
    ["key_one", 2, 1],
    ["key_two", 2, 0],
    ["key_one", 10, 6],
    ["key_two", 10, 4],
    ["g1", 2, 1],
    ["g1", 3, 2],
    ["g1", 10, 9],
    ["lobby", 2, 0],
    ["room1", 2, 1],
    ["chat", 10, 1],
    ["anything", 1, 0],
  ])("%s in a ring of %i → %i", (name, size, index) => {
    expect(consistentHash(name, size)).toBe(index);
  });

  it("uses zlib's CRC-32", () => {
    expect(crc32("g1")).toBe(985395109);
  });
});
