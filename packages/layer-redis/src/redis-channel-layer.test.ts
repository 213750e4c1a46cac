import { describeChannelLayer } from "@channels-ts/layer-conformance";
import { redisServerSkipReason } from "@channels-ts/test-support";
import { useRedis } from "@channels-ts/test-support/vitest";
import { describe } from "vitest";
import { RedisChannelLayer } from "./redis-channel-layer";

const skip = redisServerSkipReason();
const server = useRedis();
const second = useRedis();

describe.skipIf(skip)(skip ? `RedisChannelLayer (skipped: ${skip})` : "RedisChannelLayer", () => {
  // Expiry cases sleep 1.5-2 × expiryMs; a whole second leaves room for a loaded machine.
  describeChannelLayer(
    "RedisChannelLayer",
    (options) => new RedisChannelLayer({ hosts: [server().url], ...options }),
    {
      expiryMs: 1_000,
    },
  );

  // The other code paths: groupSend in two steps (sharded, encrypted), receives on every shard.
  describeChannelLayer(
    "RedisChannelLayer, two shards, encrypted",
    (options) =>
      new RedisChannelLayer({
        hosts: [server().url, second().url],
        symmetricEncryptionKeys: ["conformance"],
        ...options,
      }),
    { expiryMs: 1_000 },
  );
});
