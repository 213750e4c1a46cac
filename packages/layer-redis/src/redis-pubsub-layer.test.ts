import {
  describeChannelLayer,
  type RedisServerHandle,
  redisServerSkipReason,
  startRedisServer,
} from "@channels-ts/layer-conformance";
import { afterAll, beforeAll, describe } from "vitest";
import { RedisPubSubChannelLayer } from "./redis-pubsub-layer";

const skip = redisServerSkipReason();
let server: RedisServerHandle | undefined;

beforeAll(async () => {
  if (!skip) server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(skip)(skip ? `RedisPubSubChannelLayer (skipped: ${skip})` : "RedisPubSubChannelLayer", () => {
  // Pub/sub stores nothing: no capacity, no expiry, no queue for channels nobody listens to.
  describeChannelLayer(
    "RedisPubSubChannelLayer",
    (options) =>
      new RedisPubSubChannelLayer({
        hosts: [server!.url],
        capacity: options.capacity,
        channelCapacity: options.channelCapacity,
      }),
    { capacity: false, expiry: false, queues: false },
  );
});
