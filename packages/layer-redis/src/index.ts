export { GroupMembershipsLostError, RedisUnavailableError, UndecodableMessageError } from "./errors";
export type { RedisAddressOptions, RedisHost, SentinelOptions } from "./hosts";
export {
  GROUPS_LOST,
  type GroupsRestored,
  RedisChannelLayer,
  type RedisChannelLayerOptions,
} from "./redis-channel-layer";
export { RedisPubSubChannelLayer, type RedisPubSubChannelLayerOptions } from "./redis-pubsub-layer";
export { RedisSessionStore, type RedisSessionStoreOptions } from "./redis-session-store";
export { consistentHash } from "./wire/crc-shard";
