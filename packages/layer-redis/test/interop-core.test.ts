// Node ⇄ Python on one Redis, through the real channels_redis 4.0 RedisChannelLayer.

import { ChannelFull } from "@channels-ts/core";
import { receiveWithin } from "@channels-ts/layer-conformance";
import { type RedisServerHandle, redisServerSkipReason } from "@channels-ts/test-support";
import { useRedis } from "@channels-ts/test-support/vitest";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisChannelLayer, type RedisChannelLayerOptions } from "../src/index";
import { b64, jsonLines, probe, pythonConsumer, pythonProbeSkipReason } from "./python-probe";

const skip = redisServerSkipReason() ?? pythonProbeSkipReason();
let server: () => RedisServerHandle;
let raw: Redis;
const layers: RedisChannelLayer[] = [];
let prefixCounter = 0;
let prefix = "asgi";

function layer(options: RedisChannelLayerOptions = {}): RedisChannelLayer {
  const made = new RedisChannelLayer({ hosts: [server().url], prefix, ...options });
  layers.push(made);
  return made;
}

const py = (extra: { capacity?: number; keys?: string[] } = {}) => ({
  urls: [server().url],
  prefix,
  ...extra,
});

describe.skipIf(skip)(
  skip ? `interop with Python channels_redis (skipped: ${skip})` : "interop with Python channels_redis",
  () => {
    server = useRedis();
    beforeAll(() => {
      raw = new Redis(server().url);
    });
    afterAll(() => {
      raw?.disconnect();
    });
    // Each test gets its own prefix: nothing one leaves behind can reach the next.
    afterEach(async () => {
      for (const made of layers.splice(0)) await made.close();
      prefix = `asgi${++prefixCounter}x`;
    });

    const values = {
      type: "interop.values",
      text: "naïve ☃ 🌍",
      blob: new Uint8Array([0, 1, 2, 255]),
      nested: { list: [1, "two", [3], { four: 4 }], none: null, yes: true, no: false },
      float: 1.5,
      negative: -3,
      big: 4294967296,
      huge: 2n ** 63n + 5n,
    };

    it("Node send → Python receive on a plain channel, values intact (bytes, nested, large ints)", async () => {
      await layer().send("interop.plain", values);
      const result = await probe(py(), "receive", "interop.plain", "10");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('"huge": 9223372036854775813');
      expect(result.stdout).toContain('"big": 4294967296');
      const got = jsonLines(result)[0] as Record<string, unknown>;
      expect(got).toMatchObject({ type: "interop.values", text: values.text, float: 1.5, negative: -3 });
      expect(got.blob).toEqual(b64(values.blob));
      expect(got.nested).toEqual(values.nested);
    });

    it("Python send → Node receive on a plain channel, large ints as number or bigint", async () => {
      const message = {
        type: "from.python",
        blob: b64(new Uint8Array([0, 255])),
        big: 4294967296,
        huge: 18446744073709551615n,
        f: 1.5,
        nested: { l: [1, "a", null, true] },
      };
      const json = JSON.stringify(message, (_k, v) => (typeof v === "bigint" ? `@@${v}@@` : v)).replace(
        /"@@(\d+)@@"/g,
        "$1",
      );
      expect((await probe(py(), "send", "interop.py2node", json)).code).toBe(0);
      const got = await receiveWithin(layer(), "interop.py2node");
      expect(got).toEqual({
        type: "from.python",
        blob: new Uint8Array([0, 255]),
        big: 4294967296,
        huge: 2n ** 64n - 1n,
        f: 1.5,
        nested: { l: [1, "a", null, true] },
      });
    });

    it("stores a send byte for byte as Python would (after the 12-byte prefix)", async () => {
      const message = { type: "demo.message", n: 1, f: 1.5, text: "hé", blob: new Uint8Array([9]) };
      await layer().send("interop.bytes", message);
      const [member] = await raw.zrangeBuffer(`${prefix}interop.bytes`, "0", "-1");
      const serialized = await probe(
        py(),
        "serialize",
        JSON.stringify({ ...message, blob: b64(message.blob) }),
      );
      expect(member!.subarray(12).toString("hex")).toBe(serialized.stdout.trim().slice(24));
      expect(await raw.ttl(`${prefix}interop.bytes`)).toBeGreaterThan(55);
    });

    it("Node send → a Python process-local channel (new_channel)", async () => {
      const consumer = await pythonConsumer(py());
      await layer().send(consumer.channel, { type: "to.python", text: "hi", blob: new Uint8Array([1, 2]) });
      expect(await consumer.message).toEqual({
        type: "to.python",
        text: "hi",
        blob: b64(new Uint8Array([1, 2])),
      });
    });

    it("Python send → a Node process-local channel", async () => {
      const node = layer();
      const channel = await node.newChannel();
      const received = receiveWithin(node, channel);
      expect((await probe(py(), "send", channel, '{"type":"to.node","n":7}')).code).toBe(0);
      expect(await received).toEqual({ type: "to.node", n: 7 });
    });

    it("Node groupSend reaches Python members and Node members of one group", async () => {
      const node = layer();
      const mine = await node.newChannel();
      const consumer = await pythonConsumer(py(), ["room-a"]);
      await node.groupAdd("room-a", mine);
      await node.groupSend("room-a", { type: "chat.message", text: "all", n: 2n ** 63n });
      expect(await consumer.message).toEqual({ type: "chat.message", text: "all", n: 2 ** 63 });
      expect(await receiveWithin(node, mine)).toEqual({ type: "chat.message", text: "all", n: 2n ** 63n });
    });

    it("Python group_send reaches several Node process-local channels through one stored message", async () => {
      const node = layer();
      const [a, b] = [await node.newChannel(), await node.newChannel()];
      await node.groupAdd("room-b", a);
      await probe(py(), "group-add", "room-b", b);
      await probe(py(), "group-add", "room-b", "interop.worker");
      expect((await probe(py(), "group-send", "room-b", '{"type":"g","v":[1,2]}')).code).toBe(0);
      expect(await raw.zcard(`${prefix}${a.slice(0, a.indexOf("!") + 1)}`)).toBe(1);
      expect(await receiveWithin(node, b)).toEqual({ type: "g", v: [1, 2] });
      expect(await receiveWithin(node, a)).toEqual({ type: "g", v: [1, 2] });
      expect(await receiveWithin(node, "interop.worker")).toEqual({ type: "g", v: [1, 2] });
    });

    it("Node groupSend stores the same bytes as Python's group_send (one member per key, list of names)", async () => {
      const members = [
        "specific.0123456789abcdef0123456789abcdef!aaaa",
        "specific.0123456789abcdef0123456789abcdef!bbbb",
        "evidence.plain",
      ];
      const message = { type: "demo.group", text: "to all" };
      const stored = async (which: string) => {
        const keys = [`${which}specific.0123456789abcdef0123456789abcdef!`, `${which}evidence.plain`];
        return Promise.all(
          keys.map(async (key) =>
            (await raw.zrangeBuffer(key, "0", "-1")).map((m) => m.subarray(12).toString("hex")),
          ),
        );
      };
      const pyPrefix = `${prefix}py`;
      for (const member of members)
        await probe({ urls: [server().url], prefix: pyPrefix }, "group-add", "demo-group", member);
      await probe(
        { urls: [server().url], prefix: pyPrefix },
        "group-send",
        "demo-group",
        JSON.stringify(message),
      );
      const node = layer();
      for (const member of members) await node.groupAdd("demo-group", member);
      await node.groupSend("demo-group", message);
      const fromPython = await stored(pyPrefix);
      expect(fromPython.flat()).toHaveLength(2);
      expect(await stored(prefix)).toEqual(fromPython);
    });

    it("capacity: Python's send raises ChannelFull on a Node channel, and Node's on a Python-filled one (own channels: in the process)", async () => {
      const node = layer({ capacity: 2 });
      const channel = await node.newChannel();
      expect((await probe(py({ capacity: 2 }), "send", channel, '{"type":"c"}')).code).toBe(0);
      expect((await probe(py({ capacity: 2 }), "send", channel, '{"type":"c"}')).code).toBe(0);
      expect((await probe(py({ capacity: 2 }), "send", channel, '{"type":"c"}')).code).toBe(3);
      // The process's own sends to its channel skip Redis: capacity is counted in the process.
      const own = await node.newChannel();
      await node.send(own, { type: "c" });
      await node.send(own, { type: "c" });
      await expect(node.send(own, { type: "c" })).rejects.toBeInstanceOf(ChannelFull);
      expect(await receiveWithin(node, channel)).toEqual({ type: "c" });
      // Node's messages count against Python's capacity too.
      await node.send("interop.cap", { type: "c" });
      await node.send("interop.cap", { type: "c" });
      expect((await probe(py({ capacity: 2 }), "send", "interop.cap", '{"type":"c"}')).code).toBe(3);
    });

    it("keys, scores and TTLs are Python's: sorted sets, float seconds, EXPIRE expiry / group_expiry", async () => {
      const node = layer();
      const channel = await node.newChannel();
      await node.send("interop.keys", { type: "k" });
      await node.groupAdd("keys-group", channel);
      const nowS = Date.now() / 1000;
      expect(await raw.type(`${prefix}interop.keys`)).toBe("zset");
      expect(await raw.type(`${prefix}:group:keys-group`)).toBe("zset");
      const score = Number(await raw.zscore(`${prefix}:group:keys-group`, channel));
      expect(Math.abs(score - nowS)).toBeLessThan(5);
      expect(await raw.ttl(`${prefix}interop.keys`)).toBeGreaterThan(55);
      expect(await raw.ttl(`${prefix}:group:keys-group`)).toBeGreaterThan(86_000);
      expect(channel).toMatch(/^specific\.[0-9a-f]{32}![0-9a-f]{32}$/);
    });

    it("encryption: Fernet messages travel both ways; a wrong key is reported and skipped", async () => {
      const errors: Error[] = [];
      const node = layer({ symmetricEncryptionKeys: ["new-key", "old-key"], onError: (e) => errors.push(e) });
      await node.send("interop.secret", { type: "secret", v: 1 });
      const peek = await probe(py({ keys: ["new-key"] }), "peek", "interop.secret");
      expect((jsonLines(peek)[0] as { hex: string }).hex.slice(24, 34)).toBe(
        Buffer.from("gAAAA").toString("hex"),
      );
      expect(jsonLines(await probe(py({ keys: ["new-key"] }), "receive", "interop.secret", "10"))).toEqual([
        { type: "secret", v: 1 },
      ]);
      // Python still on the old key: rotation means Node reads it.
      await probe(py({ keys: ["old-key"] }), "send", "interop.secret2", '{"type":"rotated"}');
      await probe(py({ keys: ["wrong-key"] }), "send", "interop.secret3", '{"type":"wrong"}');
      await probe(py({ keys: ["new-key"] }), "send", "interop.secret3", '{"type":"right"}');
      expect(await receiveWithin(node, "interop.secret2")).toEqual({ type: "rotated" });
      expect(await receiveWithin(node, "interop.secret3")).toEqual({ type: "right" });
      expect(errors.map((e) => e.name)).toEqual(["UndecodableMessageError"]);
    });
  },
);
