/**
 * MessagePack encoding of layer messages: the format channels_rabbitmq and channels_redis use on the
 * wire. Written here (a few dozen lines) so the package depends on amqplib alone.
 *
 * Integers come back as numbers while they are safe integers and as `bigint` beyond (64 bits at
 * most); bytes come back as `Uint8Array`; object keys holding `undefined` are left out, as JSON does.
 */
import { InvalidMessageError, type LayerMessage } from "@channels-ts/core";
import { copyMessage } from "@channels-ts/core/layers";

const MAX_DEPTH = 200;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

class Unencodable extends Error {}

class Writer {
  buffer = Buffer.allocUnsafe(256);
  length = 0;

  ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  /** A type byte followed by a big-endian unsigned length of `size` bytes (1, 2 or 4). */
  header(type: number, size: 1 | 2 | 4, value: number): void {
    this.ensure(1 + size);
    this.buffer[this.length++] = type;
    this.buffer.writeUIntBE(value, this.length, size);
    this.length += size;
  }

  /** A length header from the fix / 8 / 16 / 32-bit family `types`. */
  sized(
    length: number,
    fix: number | undefined,
    fixMax: number,
    t8: number | undefined,
    t16: number,
    t32: number,
  ) {
    if (fix !== undefined && length <= fixMax) this.byte(fix | length);
    else if (t8 !== undefined && length < 0x100) this.header(t8, 1, length);
    else if (length < 0x10000) this.header(t16, 2, length);
    else this.header(t32, 4, length);
  }
}

function writeInteger(w: Writer, value: number): void {
  if (value >= 0) {
    if (value < 0x80) w.byte(value);
    else if (value < 0x100) w.header(0xcc, 1, value);
    else if (value < 0x10000) w.header(0xcd, 2, value);
    else if (value < 0x100000000) w.header(0xce, 4, value);
    else writeBigInt(w, BigInt(value));
  } else if (value >= -32) w.byte(value & 0xff);
  else if (value >= -0x80) {
    w.ensure(2);
    w.buffer[w.length++] = 0xd0;
    w.length = w.buffer.writeInt8(value, w.length);
  } else if (value >= -0x8000) {
    w.ensure(3);
    w.buffer[w.length++] = 0xd1;
    w.length = w.buffer.writeInt16BE(value, w.length);
  } else if (value >= -0x80000000) {
    w.ensure(5);
    w.buffer[w.length++] = 0xd2;
    w.length = w.buffer.writeInt32BE(value, w.length);
  } else writeBigInt(w, BigInt(value));
}

function writeBigInt(w: Writer, value: bigint): void {
  if (value < INT64_MIN || value > UINT64_MAX) throw new Unencodable("bigint");
  w.ensure(9);
  if (value < 0n) {
    w.buffer[w.length++] = 0xd3;
    w.length = w.buffer.writeBigInt64BE(value, w.length);
  } else {
    w.buffer[w.length++] = 0xcf;
    w.length = w.buffer.writeBigUInt64BE(value, w.length);
  }
}

function writeValue(w: Writer, value: unknown, depth: number): void {
  switch (typeof value) {
    case "string": {
      const bytes = Buffer.byteLength(value);
      w.sized(bytes, 0xa0, 31, 0xd9, 0xda, 0xdb);
      w.ensure(bytes);
      w.length += w.buffer.write(value, w.length, bytes, "utf8");
      return;
    }
    case "number":
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) writeInteger(w, value);
      else {
        w.ensure(9);
        w.buffer[w.length++] = 0xcb;
        w.length = w.buffer.writeDoubleBE(value, w.length);
      }
      return;
    case "boolean":
      w.byte(value ? 0xc3 : 0xc2);
      return;
    case "bigint":
      writeBigInt(w, value);
      return;
    case "undefined":
      w.byte(0xc0);
      return;
    case "object":
      break;
    default:
      throw new Unencodable(typeof value);
  }
  if (value === null) {
    w.byte(0xc0);
    return;
  }
  if (depth > MAX_DEPTH) throw new Unencodable("depth");
  if (value instanceof Uint8Array) {
    w.sized(value.length, undefined, 0, 0xc4, 0xc5, 0xc6);
    w.ensure(value.length);
    w.buffer.set(value, w.length);
    w.length += value.length;
    return;
  }
  if (Array.isArray(value)) {
    w.sized(value.length, 0x90, 15, undefined, 0xdc, 0xdd);
    for (const item of value) writeValue(w, item, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new Unencodable("instance");
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((key) => record[key] !== undefined);
  // copyMessage refuses it with the message every layer gives.
  if (Object.hasOwn(record, "__proto__")) throw new Unencodable("__proto__");
  w.sized(keys.length, 0x80, 15, undefined, 0xde, 0xdf);
  for (const key of keys) {
    writeValue(w, key, depth + 1);
    writeValue(w, record[key], depth + 1);
  }
}

/** Encodes `message`, or throws `InvalidMessageError` naming the first value a layer cannot carry. */
export function encodeMessage(message: LayerMessage): Buffer {
  const writer = new Writer();
  try {
    writeValue(writer, message, 0);
  } catch (error) {
    if (!(error instanceof Unencodable)) throw error;
    // copyMessage knows how to name the bad value (and detects cycles); it throws for all of them
    // except what only MessagePack cannot hold.
    copyMessage(message);
    throw new InvalidMessageError(
      error.message === "bigint"
        ? "A bigint in the message does not fit in 64 bits, the most MessagePack carries. Send it as a string."
        : `The message is nested more than ${MAX_DEPTH} levels deep. Flatten it first.`,
    );
  }
  return writer.buffer.subarray(0, writer.length);
}

class Reader {
  offset = 0;
  constructor(readonly buffer: Buffer) {}

  need(count: number): void {
    if (this.offset + count > this.buffer.length) throw new RangeError("Truncated MessagePack data.");
  }
}

function readSized(r: Reader, size: 1 | 2 | 4): number {
  r.need(size);
  const value = r.buffer.readUIntBE(r.offset, size);
  r.offset += size;
  return value;
}

function readString(r: Reader, length: number): string {
  r.need(length);
  const value = r.buffer.toString("utf8", r.offset, r.offset + length);
  r.offset += length;
  return value;
}

function readBytes(r: Reader, length: number): Uint8Array {
  r.need(length);
  // A copy, so the message does not pin the whole network frame in memory.
  const value = new Uint8Array(r.buffer.subarray(r.offset, r.offset + length));
  r.offset += length;
  return value;
}

function readArray(r: Reader, length: number): unknown[] {
  const out = new Array<unknown>(length);
  for (let i = 0; i < length; i++) out[i] = readValue(r);
  return out;
}

function readMap(r: Reader, length: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < length; i++) {
    const key = readValue(r);
    const value = readValue(r);
    // defineProperty, so a "__proto__" key is data and not a prototype change.
    Object.defineProperty(out, String(key), { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function fromBig(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

function readFixed<T>(r: Reader, size: number, read: (offset: number) => T): T {
  r.need(size);
  const value = read(r.offset);
  r.offset += size;
  return value;
}

function readValue(r: Reader): unknown {
  r.need(1);
  const type = r.buffer[r.offset++]!;
  if (type < 0x80) return type;
  if (type >= 0xe0) return type - 0x100;
  if (type >= 0xa0 && type <= 0xbf) return readString(r, type & 0x1f);
  if (type >= 0x90 && type <= 0x9f) return readArray(r, type & 0x0f);
  if (type >= 0x80 && type <= 0x8f) return readMap(r, type & 0x0f);
  const b = r.buffer;
  switch (type) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return readBytes(r, readSized(r, 1));
    case 0xc5:
      return readBytes(r, readSized(r, 2));
    case 0xc6:
      return readBytes(r, readSized(r, 4));
    case 0xca:
      return readFixed(r, 4, (o) => b.readFloatBE(o));
    case 0xcb:
      return readFixed(r, 8, (o) => b.readDoubleBE(o));
    case 0xcc:
      return readSized(r, 1);
    case 0xcd:
      return readSized(r, 2);
    case 0xce:
      return readSized(r, 4);
    case 0xcf:
      return fromBig(readFixed(r, 8, (o) => b.readBigUInt64BE(o)));
    case 0xd0:
      return readFixed(r, 1, (o) => b.readInt8(o));
    case 0xd1:
      return readFixed(r, 2, (o) => b.readInt16BE(o));
    case 0xd2:
      return readFixed(r, 4, (o) => b.readInt32BE(o));
    case 0xd3:
      return fromBig(readFixed(r, 8, (o) => b.readBigInt64BE(o)));
    case 0xd9:
      return readString(r, readSized(r, 1));
    case 0xda:
      return readString(r, readSized(r, 2));
    case 0xdb:
      return readString(r, readSized(r, 4));
    case 0xdc:
      return readArray(r, readSized(r, 2));
    case 0xdd:
      return readArray(r, readSized(r, 4));
    case 0xde:
      return readMap(r, readSized(r, 2));
    case 0xdf:
      return readMap(r, readSized(r, 4));
    default:
      throw new RangeError(`Unsupported MessagePack type 0x${type.toString(16)}.`);
  }
}

/** Decodes a message; throws on data that is not a MessagePack map with a string `type`. */
export function decodeMessage(data: Buffer): LayerMessage {
  const reader = new Reader(data);
  const value = readValue(reader);
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new TypeError("The payload is not a MessagePack map.");
  }
  const message = value as Record<string, unknown>;
  if (typeof message.type !== "string") throw new TypeError('The payload has no string "type".');
  return message as LayerMessage;
}

/** `decodeMessage`, or `null` for a payload that is not ours (told to `onUndecodable`, then skipped). */
export function decodeOrNull(data: Buffer, onUndecodable: (error: Error) => void): LayerMessage | null {
  try {
    return decodeMessage(data);
  } catch (error) {
    onUndecodable(
      new TypeError(
        `Skipped a message that is not a channels-ts MessagePack message: ${(error as Error).message}`,
      ),
    );
    return null;
  }
}
