import { describeChannelLayer } from "@channels-ts/layer-conformance";
import { redisServerSkipReason } from "@channels-ts/test-support";
import { useRedis } from "@channels-ts/test-support/vitest";
import { describe, expect, it } from "vitest";
import { RedisPubSubChannelLayer } from "./redis-pubsub-layer";

const skip = redisServerSkipReason();
const redis = useRedis();

describe.skipIf(skip)(skip ? `RedisPubSubChannelLayer (skipped: ${skip})` : "RedisPubSubChannelLayer", () => {
  describeChannelLayer(
    "RedisPubSubChannelLayer",
    (options) =>
      new RedisPubSubChannelLayer({
        hosts: [redis().url],
        capacity: options.capacity,
        channelCapacity: options.channelCapacity,
      }),
    {
      skip: [
        {
          reason: "pub/sub stores nothing: a message sent while nobody listens is gone",
          tests: [
            "delivers a message sent before the receive",
            "keeps messages of one channel in FIFO order",
            "flush drops queued messages and groups",
          ],
        },
        { reason: "pub/sub has no queue whose length it could bound", tests: ["capacity"] },
        {
          reason: "pub/sub messages never wait, so they never expire",
          tests: [
            "drops a message nobody received in time",
            "delivers a message sent after older ones expired, and only that one",
            "frees capacity taken by expired messages",
          ],
        },
        {
          reason: "pub/sub group memberships live in this process and never expire, as in channels_redis",
          tests: [
            "forgets group memberships older than groupExpiryMs",
            "renews a membership on a second groupAdd",
          ],
        },
      ],
    },
  );
});

describe.skipIf(skip)("RedisPubSubChannelLayer encryption", () => {
  it("carries Fernet-encrypted messages between layers with the same key, and skips others", async () => {
    const errors: Error[] = [];
    let reported: () => void = () => {};
    const firstError = new Promise<void>((resolve) => {
      reported = resolve;
    });
    const receiver = new RedisPubSubChannelLayer({
      hosts: [redis().url],
      symmetricEncryptionKeys: ["ps-key"],
      onError: (e) => {
        errors.push(e);
        reported();
      },
    });
    const right = new RedisPubSubChannelLayer({ hosts: [redis().url], symmetricEncryptionKeys: ["ps-key"] });
    const wrong = new RedisPubSubChannelLayer({ hosts: [redis().url], symmetricEncryptionKeys: ["other"] });
    try {
      const channel = await receiver.newChannel();
      const received = receiver.receive(channel, AbortSignal.timeout(10_000));
      await wrong.send(channel, { type: "wrong" });
      await firstError; // the wrong-key message was seen and skipped
      await right.send(channel, { type: "right", n: 1 });
      expect(await received).toEqual({ type: "right", n: 1 });
      expect(errors.map((e) => e.name)).toEqual(["UndecodableMessageError"]);
    } finally {
      await Promise.all([receiver.close(), right.close(), wrong.close()]);
    }
  });
});
