// Node ⇄ Python with two Redis shards (channels_redis' CRC ring), and through the pub/sub layer.

import type { ChannelLayer } from "@channels-ts/core";
import { receiveWithin } from "@channels-ts/layer-conformance";
import { redisServerSkipReason } from "@channels-ts/test-support";
import { useRedis } from "@channels-ts/test-support/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { consistentHash, RedisChannelLayer, RedisPubSubChannelLayer } from "../src/index";
import { probe, pythonConsumer, pythonProbeSkipReason } from "./python-probe";

const skip = redisServerSkipReason() ?? pythonProbeSkipReason();
const layers: ChannelLayer[] = [];
let prefix = "asgi";
let counter = 0;

describe.skipIf(skip)(
  skip ? `interop: shards and pub/sub (skipped: ${skip})` : "interop: shards and pub/sub",
  () => {
    const shardA = useRedis();
    const shardB = useRedis();
    const urls = () => [shardA().url, shardB().url];
    const sharded = () => {
      const layer = new RedisChannelLayer({ hosts: urls(), prefix });
      layers.push(layer);
      return layer;
    };
    const pubsub = () => {
      const layer = new RedisPubSubChannelLayer({ hosts: urls(), prefix });
      layers.push(layer);
      return layer;
    };

    afterEach(async () => {
      for (const layer of layers.splice(0)) await layer.close();
      prefix = `asgi${++counter}x`;
    });

    describe("two shards", () => {
      it("receives Python sends even when Python puts them on the full name's shard (channels_redis #221)", async () => {
        const node = sharded();
        // Find a channel whose full name and non-local part hash to different shards, and one where they agree.
        let mismatched: string | undefined;
        let matched: string | undefined;
        for (let i = 0; i < 200 && !(mismatched && matched); i++) {
          const channel = await node.newChannel();
          const same =
            consistentHash(channel, 2) === consistentHash(channel.slice(0, channel.indexOf("!") + 1), 2);
          if (same) matched ??= channel;
          else mismatched ??= channel;
        }
        expect(mismatched && matched).toBeTruthy();
        for (const channel of [mismatched!, matched!]) {
          const received = receiveWithin(node, channel);
          expect(
            (await probe({ urls: urls(), prefix }, "send", channel, '{"type":"sharded","ok":true}')).code,
          ).toBe(0);
          expect(await received).toEqual({ type: "sharded", ok: true });
        }
      });

      it("Node send reaches a Python new_channel on the shard Python reads", async () => {
        const consumer = await pythonConsumer({ urls: urls(), prefix });
        await sharded().send(consumer.channel, { type: "to.python.sharded" });
        expect(await consumer.message).toEqual({ type: "to.python.sharded" });
      });

      it("groupSend both ways across shards", async () => {
        const node = sharded();
        const mine = await node.newChannel();
        const consumer = await pythonConsumer({ urls: urls(), prefix }, ["lobby", "room1"]);
        await node.groupAdd("lobby", mine);
        await node.groupAdd("room1", mine);
        await node.groupSend("lobby", { type: "from.node" });
        expect(await consumer.message).toEqual({ type: "from.node" });
        expect(await receiveWithin(node, mine)).toEqual({ type: "from.node" });
        expect(
          (await probe({ urls: urls(), prefix }, "group-send", "room1", '{"type":"from.python"}')).code,
        ).toBe(0);
        expect(await receiveWithin(node, mine)).toEqual({ type: "from.python" });
      });

      it("receives a Python send to a plain channel (Python round-robins; Node listens on every shard)", async () => {
        const node = sharded();
        const received = receiveWithin(node, "sharded.worker");
        expect(
          (await probe({ urls: urls(), prefix }, "send", "sharded.worker", '{"type":"plain"}')).code,
        ).toBe(0);
        expect(await received).toEqual({ type: "plain" });
      });
    });

    describe("pub/sub layer (channels_redis.pubsub)", () => {
      const py = () => ({ urls: urls(), prefix, pubsub: true });

      it("Python pub/sub send → a Node pub/sub channel", async () => {
        const node = pubsub();
        const channel = await node.newChannel();
        const received = receiveWithin(node, channel);
        expect(
          (await probe(py(), "send", channel, '{"type":"ps.direct","b":{"__bytes_b64__":"AP8="}}')).code,
        ).toBe(0);
        expect(await received).toEqual({ type: "ps.direct", b: new Uint8Array([0, 255]) });
      });

      it("Node pub/sub send and groupSend → Python pub/sub consumers", async () => {
        const direct = await pythonConsumer(py());
        expect(direct.channel.startsWith(`${prefix}specific.`)).toBe(true);
        await pubsub().send(direct.channel, { type: "ps.to.python", n: 4294967296 });
        expect(await direct.message).toEqual({ type: "ps.to.python", n: 4294967296 });

        const member = await pythonConsumer(py(), ["ps-room"]);
        await pubsub().groupSend("ps-room", { type: "ps.group" });
        expect(await member.message).toEqual({ type: "ps.group" });
      });

      it("Python pub/sub group_send → Node members of the group", async () => {
        const node = pubsub();
        const [a, b] = [await node.newChannel(), await node.newChannel()];
        await node.groupAdd("ps-room2", a);
        await node.groupAdd("ps-room2", b);
        expect((await probe(py(), "group-send", "ps-room2", '{"type":"ps.fanout"}')).code).toBe(0);
        expect(await receiveWithin(node, a)).toEqual({ type: "ps.fanout" });
        expect(await receiveWithin(node, b)).toEqual({ type: "ps.fanout" });
      });
    });
  },
);
