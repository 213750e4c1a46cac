import { InvalidMessageError, type LayerMessage } from "@channels-ts/core";
import { copyMessage } from "@channels-ts/core/layers";
import { Decoder, Encoder } from "@msgpack/msgpack";

// Python's msgpack dialect (packb use_bin_type=True / unpackb raw=False): str ↔ str, bytes ↔ bin,
// ints as ints up to 64 bits, floats as float64. @msgpack/msgpack writes exactly that, and keys
// whose value is undefined are left out, as JSON.stringify does. Its bigint mode would write
// integers above 2^32 as floats, so it is used only for messages that hold unsafe bigints, with
// every integer outside 32 bits turned into a bigint first (then int64/uint64, as Python writes).
const encoder = new Encoder({ ignoreUndefined: true });
const bigIntEncoder = new Encoder({ useBigInt64: true, ignoreUndefined: true });
// int64/uint64 come back as bigints here and are turned into numbers when they are safe.
const decoder = new Decoder({ useBigInt64: true });

const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);

/** Safe bigints become numbers (Python packs them the same way); others must fit in 64 bits. */
function normalizeBigInts(value: unknown, path: string, found: { unsafe: boolean }): unknown {
  if (typeof value === "bigint") {
    if (value > UINT64_MAX || value < INT64_MIN) {
      throw new InvalidMessageError(
        `${path} is ${value}n, outside what msgpack carries (-2^63 … 2^64-1). Send it as a string.`,
      );
    }
    if (value >= SAFE_MIN && value <= SAFE_MAX) return Number(value);
    found.unsafe = true;
    return value;
  }
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = normalizeBigInts(value[i], `${path}[${i}]`, found);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = normalizeBigInts(record[key], `${path}.${key}`, found);
  return value;
}

/** Integers outside 32 bits become bigints, so the bigint encoder writes them as int64/uint64. */
function widenInts(value: unknown): unknown {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && (value > 0xffffffff || value < -0x80000000) ? BigInt(value) : value;
  }
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = widenInts(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = widenInts(record[key]);
  return value;
}

/** Unsafe bigints stay; safe ones (Python writes every int above 2^32 as uint64) become numbers. */
function unbigSafeInts(value: unknown): unknown {
  if (typeof value === "bigint") return value >= SAFE_MIN && value <= SAFE_MAX ? Number(value) : value;
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = unbigSafeInts(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = unbigSafeInts(record[key]);
  return value;
}

/**
 * The msgpack bytes of `message`, as Python's `msgpack.packb(message, use_bin_type=True)` writes
 * them. Values a layer cannot carry throw `InvalidMessageError` naming their path.
 */
export function packMessage(message: object): Uint8Array {
  // copyMessage is the one validation every layer shares; the copy is ours to normalise in place.
  const copy = copyMessage(message as LayerMessage);
  const found = { unsafe: false };
  normalizeBigInts(copy, "message", found);
  return found.unsafe ? bigIntEncoder.encode(widenInts(copy)) : encoder.encode(copy);
}

/** Decodes msgpack bytes; a message must be a map. Throws on anything else. */
export function unpackMessage(bytes: Uint8Array): Record<string, unknown> {
  // A private plain copy: bin values are views into it, so they are Uint8Arrays (not Buffers) and
  // share no memory with the socket's buffers or with another decoded copy.
  const value = decoder.decode(new Uint8Array(bytes));
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new TypeError(
      `a layer message must be a msgpack map; got ${Array.isArray(value) ? "an array" : typeof value}`,
    );
  }
  // 0xcf / 0xd3 are the only 64-bit int heads: skip the walk when neither byte occurs at all.
  if (bytes.includes(0xcf) || bytes.includes(0xd3)) unbigSafeInts(value);
  return value as Record<string, unknown>;
}

/** The msgpack header of a map with `size` entries. */
export function mapHeader(size: number): Uint8Array {
  if (size < 16) return Uint8Array.of(0x80 | size);
  if (size < 0x10000) return Uint8Array.of(0xde, size >> 8, size & 0xff);
  const out = new Uint8Array(5);
  out[0] = 0xdf;
  new DataView(out.buffer).setUint32(1, size);
  return out;
}

/** Splits packed map bytes into its entry count and the bytes of its entries. */
export function splitMap(packed: Uint8Array): { size: number; entries: Uint8Array } {
  const head = packed[0]!;
  if ((head & 0xf0) === 0x80) return { size: head & 0x0f, entries: packed.subarray(1) };
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  if (head === 0xde) return { size: view.getUint16(1), entries: packed.subarray(3) };
  if (head === 0xdf) return { size: view.getUint32(1), entries: packed.subarray(5) };
  throw new TypeError("packed message is not a map");
}
