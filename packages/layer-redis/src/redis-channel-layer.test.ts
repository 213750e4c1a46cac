import {
  describeChannelLayer,
  type RedisServerHandle,
  redisServerSkipReason,
  startRedisServer,
} from "@channels-ts/layer-conformance";
import { afterAll, beforeAll, describe } from "vitest";
import { RedisChannelLayer } from "./redis-channel-layer";

const skip = redisServerSkipReason();
let server: RedisServerHandle | undefined;
let second: RedisServerHandle | undefined;

beforeAll(async () => {
  if (!skip) [server, second] = await Promise.all([startRedisServer(), startRedisServer()]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), second?.stop()]);
});

describe.skipIf(skip)(skip ? `RedisChannelLayer (skipped: ${skip})` : "RedisChannelLayer", () => {
  // Expiry cases sleep 1.5-2 × expiryMs; a whole second leaves room for a loaded machine.
  describeChannelLayer(
    "RedisChannelLayer",
    (options) => new RedisChannelLayer({ hosts: [server!.url], ...options }),
    {
      expiryMs: 1_000,
    },
  );

  // The other code paths: groupSend in two steps (sharded, encrypted), receives on every shard.
  describeChannelLayer(
    "RedisChannelLayer, two shards, encrypted",
    (options) =>
      new RedisChannelLayer({
        hosts: [server!.url, second!.url],
        symmetricEncryptionKeys: ["conformance"],
        ...options,
      }),
    { expiryMs: 1_000 },
  );
});
