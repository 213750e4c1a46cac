// Redis going away and coming back, bad bytes in Redis, and aborted receives.

import { InvalidMessageError, type LayerMessage } from "@channels-ts/core";
import { receiveWithin } from "@channels-ts/layer-conformance";
import { redisServerSkipReason } from "@channels-ts/test-support";
import { useRedis } from "@channels-ts/test-support/vitest";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import {
  GROUPS_LOST,
  GroupMembershipsLostError,
  type GroupsRestored,
  RedisChannelLayer,
  type RedisChannelLayerOptions,
  RedisPubSubChannelLayer,
  RedisUnavailableError,
} from "../src/index";

/** Resolves with the first value `subscribe` hands its callback, or rejects after `ms`. */
function first<T>(subscribe: (callback: (value: T) => void) => void, ms = 15_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
    subscribe((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

const skip = redisServerSkipReason();
const redis = useRedis();
const layers: RedisChannelLayer[] = [];
let prefix = "asgi";
let counter = 0;

function layer(options: RedisChannelLayerOptions = {}): RedisChannelLayer {
  const made = new RedisChannelLayer({ hosts: [redis().url], prefix, onError: () => {}, ...options });
  layers.push(made);
  return made;
}

describe.skipIf(skip)(skip ? `faults (skipped: ${skip})` : "faults", () => {
  afterEach(async () => {
    await redis().start(); // a test that stopped it must not leave it down
    for (const made of layers.splice(0)) await made.close();
    prefix = `asgi${++counter}x`;
  });

  it("survives a Redis restart in the middle of traffic: receives resume, later sends are delivered", async () => {
    const sender = layer({ sendTimeoutMs: 10_000, capacity: 1000 });
    const receiver = layer({ capacity: 1000 });
    const channel = await receiver.newChannel();
    const got: number[] = [];
    // A consumer loop that must live through the restart; it ends at the n = -1 message.
    const consumer = (async () => {
      for (let i = 0; i < 1000; i++) {
        const message = await receiveWithin(receiver, channel, 15_000);
        if (!message || message.n === -1) return message !== null;
        got.push(message.n as number);
      }
      return false;
    })();
    let restarted = false;
    let restarting: Promise<void> | undefined;
    const deliveredAfterRestart: number[] = [];
    const failures: unknown[] = [];
    for (let n = 0; n < 80; n++) {
      if (n === 20)
        restarting = redis()
          .restart()
          .then(() => {
            restarted = true;
          });
      const afterRestart = restarted;
      try {
        await sender.send(channel, { type: "traffic", n });
        if (afterRestart) deliveredAfterRestart.push(n);
      } catch (error) {
        failures.push(error);
      }
      if (n === 40) await restarting;
    }
    await sender.send(channel, { type: "traffic", n: -1 });
    expect(await consumer).toBe(true);
    // Every send that succeeded once Redis was back arrived, in order; every failure said why.
    expect(deliveredAfterRestart.length).toBeGreaterThan(30);
    expect(got.filter((n) => deliveredAfterRestart.includes(n))).toEqual(deliveredAfterRestart);
    for (const error of failures) expect(error).toBeInstanceOf(RedisUnavailableError);
  });

  it("a send during an outage fails with RedisUnavailableError after sendTimeoutMs", async () => {
    const sender = layer({ sendTimeoutMs: 300 });
    await sender.send("outage.warmup", { type: "m" });
    await redis().stop();
    const error = await sender.send("outage.chan", { type: "m" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toMatch(/did not answer within 300 ms|failed/);
  });

  it("a send during an outage succeeds if Redis is back within sendTimeoutMs", async () => {
    const sender = layer({ sendTimeoutMs: 15_000 });
    await sender.send("outage.warmup", { type: "m" });
    await redis().stop();
    const pending = sender.send("outage.back", { type: "back" });
    await redis().start();
    await pending;
    expect(await receiveWithin(layer(), "outage.back")).toEqual({ type: "back" });
  });

  it("a receive blocked across a restart gets a message sent afterwards", async () => {
    const receiver = layer();
    const channel = await receiver.newChannel();
    const waiting = receiveWithin(receiver, channel, 15_000);
    await redis().restart();
    await layer({ sendTimeoutMs: 10_000 }).send(channel, { type: "after.restart" });
    expect(await waiting).toEqual({ type: "after.restart" });
  });

  it("reports undecodable messages and keeps receiving", async () => {
    const errors: Error[] = [];
    const receiver = layer({ onError: (e) => errors.push(e) });
    const raw = new Redis(redis().url);
    // Scored in the past, so both sort before the good message sent next.
    const now = Date.now() / 1000;
    await raw.zadd(`${prefix}bad.chan`, now - 2, Buffer.from("0123456789abcorrupt-not-msgpack\xc1"));
    await raw.zadd(
      `${prefix}bad.chan`,
      now - 1,
      Buffer.concat([Buffer.alloc(12), Buffer.from([0x93, 1, 2, 3])]),
    );
    raw.disconnect();
    await layer().send("bad.chan", { type: "good" });
    expect(await receiveWithin(receiver, "bad.chan")).toEqual({ type: "good" });
    expect(errors.map((e) => e.name)).toEqual(["UndecodableMessageError", "UndecodableMessageError"]);
    expect(errors[0]!.message).toMatch(/bad\.chan/);
  });

  it("fails at send, writing nothing, for a value msgpack cannot carry", async () => {
    const sender = layer();
    await expect(sender.send("enc.chan", { type: "m", n: 2n ** 70n })).rejects.toBeInstanceOf(
      InvalidMessageError,
    );
    await expect(
      sender.groupSend("enc-group", { type: "m", when: new Date() } as LayerMessage),
    ).rejects.toBeInstanceOf(InvalidMessageError);
    expect(await receiveWithin(sender, "enc.chan", 200)).toBeNull();
  });

  it.each(["process-local", "plain"])("aborted receives lose no %s message", async (kind) => {
    const sender = layer({ capacity: 500 });
    const receiver = layer({ capacity: 500 });
    const channel = kind === "plain" ? "abort.plain" : await receiver.newChannel();
    const got: number[] = [];
    const count = 100;
    for (let n = 0; n < count; n++) {
      const controller = new AbortController();
      const pending = receiver.receive(channel, controller.signal);
      await sender.send(channel, { type: "m", n });
      // Abort at varying moments: at once, or after a few turns of the event loop.
      for (let spin = 0; spin < n % 4; spin++) await new Promise((resolve) => setImmediate(resolve));
      controller.abort(new Error("cancelled"));
      const message = await pending.catch(() => null);
      if (message) got.push(message.n as number);
    }
    for (let i = 0; i < count && got.length < count; i++) {
      const message = await receiveWithin(receiver, channel, 2_000);
      if (!message) break;
      got.push(message.n as number);
    }
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it("the pub/sub layer re-subscribes after a restart and receives again", async () => {
    const receiver = new RedisPubSubChannelLayer({ hosts: [redis().url], prefix, onError: () => {} });
    const sender = new RedisPubSubChannelLayer({ hosts: [redis().url], prefix, sendTimeoutMs: 10_000 });
    try {
      const channel = await receiver.newChannel();
      await redis().restart();
      // Pub/sub drops what nobody hears: wait until the subscription is back (asked of Redis itself).
      const raw = new Redis(redis().url);
      let subscribers = 0;
      for (let i = 0; i < 500 && subscribers === 0; i++) {
        const reply = (await raw.pubsub("NUMSUB", channel)) as [string, number];
        subscribers = Number(reply[1]);
        if (subscribers === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      raw.disconnect();
      expect(subscribers).toBe(1);
      const received = receiver.receive(channel, AbortSignal.timeout(10_000));
      await sender.send(channel, { type: "after.restart" });
      expect(await received).toEqual({ type: "after.restart" });
    } finally {
      await receiver.close();
      await sender.close();
    }
  });

  // Before: kill Redis (no persistence), start it again, and every open connection's groups are
  // gone: 0 of 1,782 chat messages arrived after the restart. Each layer (one per process) now
  // re-adds its channels' memberships when it reconnects.
  it("group memberships of two processes survive a Redis restart without persistence", async () => {
    let restoredA: ((r: GroupsRestored) => void) | undefined;
    let restoredB: ((r: GroupsRestored) => void) | undefined;
    const processA = layer({ sendTimeoutMs: 10_000, onGroupsRestored: (r) => restoredA?.(r) });
    const processB = layer({ sendTimeoutMs: 10_000, onGroupsRestored: (r) => restoredB?.(r) });
    const memberA = await processA.newChannel();
    const memberB = await processB.newChannel();
    const leaver = await processB.newChannel();
    await processA.groupAdd("room", memberA);
    await processB.groupAdd("room", memberB);
    await processB.groupAdd("room", leaver);
    await processB.groupDiscard("room", leaver);
    const backA = first<GroupsRestored>((f) => {
      restoredA = f;
    });
    const backB = first<GroupsRestored>((f) => {
      restoredB = f;
    });
    await redis().restart(); // SIGTERM by pid; started again on the same port with nothing in it
    expect(await backA).toMatchObject({ groups: 1, memberships: 1 });
    expect(await backB).toMatchObject({ groups: 1, memberships: 1 });
    const raw = new Redis(redis().url);
    const members = await raw.zrange(`${prefix}:group:room`, "0", "-1");
    raw.disconnect();
    expect(members.sort()).toEqual([memberA, memberB].sort());
    // A third process that never saw the restart sends to the group: every member gets it.
    await layer({ sendTimeoutMs: 10_000 }).groupSend("room", { type: "after.restart" });
    expect(await receiveWithin(processA, memberA, 5_000)).toEqual({ type: "after.restart" });
    expect(await receiveWithin(processB, memberB, 5_000)).toEqual({ type: "after.restart" });
  });

  it("when Redis refuses the re-add, the affected channels are told (layer.groups_lost), never left silent", async () => {
    const errors: Error[] = [];
    const process = layer({ sendTimeoutMs: 10_000, onError: (e) => errors.push(e) });
    const member = await process.newChannel();
    await process.groupAdd("room", member);
    await process.groupAdd("lobby", member);
    const raw = new Redis(redis().url);
    try {
      await raw.flushall(); // what a restart without persistence leaves
      await raw.config("SET", "maxmemory-policy", "noeviction");
      await raw.config("SET", "maxmemory", "1"); // every write now fails with OOM
      const told = receiveWithin(process, member, 15_000);
      await raw.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"); // the layer reconnects
      expect(await told).toEqual({ type: GROUPS_LOST, groups: expect.arrayContaining(["room", "lobby"]) });
      const lost = errors.find((e) => e instanceof GroupMembershipsLostError) as GroupMembershipsLostError;
      expect(lost.channels).toEqual([member]);
      expect(lost.message).toMatch(/Could not re-add 1 channel\(s\) to 2 group\(s\).*OOM/);
    } finally {
      await raw.config("SET", "maxmemory", "0");
      raw.disconnect();
    }
  });

  it("the pub/sub layer's groups come back after a restart", async () => {
    const receiver = new RedisPubSubChannelLayer({ hosts: [redis().url], prefix, onError: () => {} });
    const sender = new RedisPubSubChannelLayer({ hosts: [redis().url], prefix, sendTimeoutMs: 10_000 });
    try {
      const member = await receiver.newChannel();
      await receiver.groupAdd("room", member);
      await redis().restart();
      // Pub/sub drops what nobody hears: send until the re-subscription is in place (bounded).
      let got: LayerMessage | null = null;
      for (let attempt = 0; attempt < 100 && got === null; attempt++) {
        const pending = receiveWithin(receiver, member, 100);
        await sender.groupSend("room", { type: "after.restart", attempt });
        got = await pending;
      }
      expect(got?.type).toBe("after.restart");
    } finally {
      await receiver.close();
      await sender.close();
    }
  });
});
