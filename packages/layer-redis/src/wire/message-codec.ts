import { randomBytes } from "node:crypto";
import { MultiFernet } from "./fernet";
import { packMessage, unpackMessage } from "./msgpack-dialect";

// Random bytes drawn in bulk: one syscall per 4 KiB instead of one per message.
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomPrefix(into: Buffer, length: number, at = 0): void {
  if (poolOffset + length > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  pool.copy(into, at, poolOffset, poolOffset + length);
  poolOffset += length;
}

/** `length` random bytes (at most 4096) from the pool, `extra` bytes of room after them. */
export function pooledRandomBytes(length: number, extra = 0): Buffer {
  const out = Buffer.allocUnsafe(length + extra);
  randomPrefix(out, length);
  return out;
}

/** How a message becomes the bytes stored in (or published to) Redis, and back. */
export interface MessageCodecOptions {
  /** Fernet secrets; the first encrypts, any decrypts. None: plain msgpack. */
  symmetricEncryptionKeys?: readonly string[] | undefined;
  /** Random bytes in front of each payload (12 for the core layer, 0 for pub/sub). */
  randomPrefixLength: number;
  /** Oldest accepted Fernet token age in seconds (Python: expiry + 10); none for pub/sub. */
  tokenTtlS?: number | undefined;
}

/** channels_redis' serializer: `random prefix ++ msgpack(message)`, the msgpack Fernet-encrypted when keys are set. */
export class MessageCodec {
  readonly randomPrefixLength: number;
  private readonly crypter: MultiFernet | undefined;
  private readonly tokenTtlS: number | undefined;

  constructor(options: MessageCodecOptions) {
    const keys = options.symmetricEncryptionKeys;
    this.crypter = keys && keys.length > 0 ? new MultiFernet(keys) : undefined;
    this.randomPrefixLength = options.randomPrefixLength;
    this.tokenTtlS = options.tokenTtlS;
  }

  get encrypted(): boolean {
    return this.crypter !== undefined;
  }

  /** The stored form of `message`. Throws `InvalidMessageError` for values msgpack cannot carry. */
  encode(message: object): Buffer {
    return this.wrap(packMessage(message));
  }

  /** Prefix (and encryption) around already packed msgpack bytes. */
  wrap(packed: Uint8Array): Buffer {
    const payload = this.crypter ? this.crypter.encrypt(packed) : packed;
    if (this.randomPrefixLength === 0)
      return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const out = Buffer.allocUnsafe(this.randomPrefixLength + payload.byteLength);
    randomPrefix(out, this.randomPrefixLength);
    out.set(payload, this.randomPrefixLength);
    return out;
  }

  /** The message inside stored bytes. Throws on a wrong key, an expired token or corrupt bytes. */
  decode(stored: Uint8Array): Record<string, unknown> {
    let payload: Uint8Array = stored.subarray(this.randomPrefixLength);
    if (this.crypter) payload = this.crypter.decrypt(payload, this.tokenTtlS);
    return unpackMessage(payload);
  }
}
