export { RedisUnavailableError, UndecodableMessageError } from "./errors";
export type { RedisAddressOptions, RedisHost, SentinelOptions } from "./hosts";
export { RedisChannelLayer, type RedisChannelLayerOptions } from "./redis-channel-layer";
export { consistentHash } from "./wire/crc-shard";
