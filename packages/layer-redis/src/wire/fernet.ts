import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

const VERSION = 0x80;
const MAX_CLOCK_SKEW_S = 60;

/** A token that failed its HMAC, its format or its age check (Python's `cryptography.fernet.InvalidToken`). */
export class InvalidToken extends Error {
  override name = "InvalidToken";
}

/**
 * Fernet (https://github.com/fernet/spec) with a key made as channels_redis makes it:
 * `sha256(utf8(secret))`, first half signing, second half AES-128-CBC. No HKDF.
 */
export class Fernet {
  private readonly signingKey: Buffer;
  private readonly encryptionKey: Buffer;

  constructor(secret: string) {
    const key = createHash("sha256").update(secret, "utf8").digest();
    this.signingKey = key.subarray(0, 16);
    this.encryptionKey = key.subarray(16, 32);
  }

  /** The base64url token (with padding, as Python writes it) of `plaintext`. */
  encrypt(
    plaintext: Uint8Array,
    nowS = Math.floor(Date.now() / 1000),
    iv: Uint8Array = randomBytes(16),
  ): Buffer {
    const cipher = createCipheriv("aes-128-cbc", this.encryptionKey, iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const head = Buffer.alloc(9);
    head[0] = VERSION;
    head.writeBigUInt64BE(BigInt(nowS), 1);
    const signed = Buffer.concat([head, iv, body]);
    const mac = createHmac("sha256", this.signingKey).update(signed).digest();
    return Buffer.from(
      Buffer.concat([signed, mac])
        .toString("base64url")
        .concat(padding(signed.length + 32)),
      "ascii",
    );
  }

  /** The plaintext of `token`; throws `InvalidToken` if forged, corrupt, or older than `ttlS` seconds. */
  decrypt(token: Uint8Array, ttlS?: number, nowS = Math.floor(Date.now() / 1000)): Buffer {
    const data = Buffer.from(Buffer.from(token).toString("ascii"), "base64url");
    if (data.length < 57 || data[0] !== VERSION || (data.length - 57) % 16 !== 0) {
      throw new InvalidToken("not a Fernet token");
    }
    const timestamp = Number(data.readBigUInt64BE(1));
    if (ttlS !== undefined && timestamp + ttlS < nowS) throw new InvalidToken("token expired");
    if (nowS + MAX_CLOCK_SKEW_S < timestamp) throw new InvalidToken("token from the future");
    const mac = createHmac("sha256", this.signingKey).update(data.subarray(0, -32)).digest();
    if (!timingSafeEqual(mac, data.subarray(-32)))
      throw new InvalidToken("signature does not match (wrong key?)");
    const decipher = createDecipheriv("aes-128-cbc", this.encryptionKey, data.subarray(9, 25));
    try {
      return Buffer.concat([decipher.update(data.subarray(25, -32)), decipher.final()]);
    } catch {
      throw new InvalidToken("bad padding");
    }
  }
}

function padding(byteLength: number): string {
  const rest = byteLength % 3;
  return rest === 0 ? "" : "=".repeat(3 - rest);
}

/** Python's `MultiFernet`: encrypts with the first key, decrypts with any (key rotation). */
export class MultiFernet {
  private readonly fernets: Fernet[];

  constructor(secrets: readonly string[]) {
    this.fernets = secrets.map((secret) => new Fernet(secret));
  }

  encrypt(plaintext: Uint8Array): Buffer {
    return this.fernets[0]!.encrypt(plaintext);
  }

  decrypt(token: Uint8Array, ttlS?: number): Buffer {
    let last: unknown;
    for (const fernet of this.fernets) {
      try {
        return fernet.decrypt(token, ttlS);
      } catch (error) {
        last = error;
      }
    }
    throw last instanceof InvalidToken ? last : new InvalidToken(String(last));
  }
}
