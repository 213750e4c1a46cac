// channels_redis picks a shard with zlib's CRC-32 (IEEE); every process must agree on it.
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** zlib's CRC-32 of the UTF-8 bytes of `value` (Python's `binascii.crc32`). */
export function crc32(value: string | Uint8Array): number {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The shard of `name` in a ring of `ringSize` hosts, exactly as `channels_redis.utils._consistent_hash`. */
export function consistentHash(name: string, ringSize: number): number {
  if (ringSize === 1) return 0;
  return Math.floor((crc32(name) & 0xfff) / (4096 / ringSize));
}
