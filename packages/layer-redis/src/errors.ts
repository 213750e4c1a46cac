import { ChannelLayerUnavailable, ChannelsError } from "@channels-ts/core";

/** Redis did not answer in time (down, restarting, unreachable): the operation was not done, or may not have been. */
export class RedisUnavailableError extends ChannelLayerUnavailable {
  override name = "RedisUnavailableError";
  override readonly code = "CHANNELS_ERR_REDIS_UNAVAILABLE";
}

/** A message popped from Redis that could not be decoded (wrong encryption key, expired token, corrupt bytes); it was skipped. */
export class UndecodableMessageError extends ChannelsError {
  override name = "UndecodableMessageError";
  override readonly code = "CHANNELS_ERR_UNDECODABLE_MESSAGE";
  constructor(
    readonly key: string,
    override readonly cause: unknown,
  ) {
    super(
      `Skipped a message on Redis key "${key}" that could not be decoded (${cause instanceof Error ? cause.message : String(cause)}). ` +
        "Check that every process uses the same symmetricEncryptionKeys, prefix and channels_redis format.",
    );
  }
}

/**
 * After a Redis restart, this process could not re-add its channels to their groups (Redis refused
 * the writes). The affected channels were sent a `layer.groups_lost` message, so their consumers
 * close (a WebSocket with 1011) and their clients reconnect and rejoin.
 */
export class GroupMembershipsLostError extends ChannelsError {
  override name = "GroupMembershipsLostError";
  constructor(
    readonly groups: readonly string[],
    readonly channels: readonly string[],
    override readonly cause: unknown,
  ) {
    super(
      `Could not re-add ${channels.length} channel(s) to ${groups.length} group(s) after Redis restarted ` +
        `(${cause instanceof Error ? cause.message : String(cause)}); their consumers were told to close so clients rejoin.`,
    );
  }
}
