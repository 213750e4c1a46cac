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

beforeAll(async () => {
  if (!skip) server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(skip)(skip ? `RedisChannelLayer (skipped: ${skip})` : "RedisChannelLayer", () => {
  describeChannelLayer(
    "RedisChannelLayer",
    (options) => new RedisChannelLayer({ hosts: [server!.url], ...options }),
    {
      expiryMs: 300,
    },
  );
});
