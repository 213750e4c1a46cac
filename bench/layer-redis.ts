/**
 * Throughput of RedisChannelLayer against a private redis-server on loopback (not part of the test
 * suite). Run from the repo root:  bench/node_modules/.bin/tsx bench/layer-redis.ts
 */

import { RedisChannelLayer } from "@channels-ts/layer-redis";
import { startRedisServer } from "@channels-ts/test-support";

const server = await startRedisServer();
const rate = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString("en");

async function timed(label: string, count: number, run: () => Promise<void>): Promise<void> {
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  console.log(
    `${label.padEnd(58)} ${rate(count, ms).padStart(9)} /s   ${((ms / count) * 1000).toFixed(1)} µs each`,
  );
}

try {
  const layer = new RedisChannelLayer({ hosts: [server.url], capacity: 1_000_000 });
  const N = 50_000;
  await layer.send("bench.warmup", { type: "m" });

  await timed("send, one at a time (await each)", N, async () => {
    for (let i = 0; i < N; i++)
      await layer.send("bench.sequential", { type: "bench.message", n: i, text: "hello" });
  });
  await timed("send, 100 in flight", N, async () => {
    const inFlight = 100;
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < N)
          await layer.send("bench.concurrent", { type: "bench.message", n: next++, text: "hello" });
      }),
    );
  });
  const local = await layer.newChannel();
  await timed("send to a process-local channel, 100 in flight", N, async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (next < N) await layer.send(local, { type: "bench.message", n: next++ });
      }),
    );
  });
  await timed("receive those process-local messages (batched pops)", N, async () => {
    for (let i = 0; i < N; i++) await layer.receive(local);
  });
  await timed("receive from a plain channel", 10_000, async () => {
    for (let i = 0; i < 10_000; i++) await layer.receive("bench.sequential");
  });

  const members = await Promise.all(Array.from({ length: 1000 }, () => layer.newChannel()));
  await Promise.all(members.map((m) => layer.groupAdd("bench-1000", m)));
  await layer.groupSend("bench-1000", { type: "warm" });
  const G = 2_000;
  await timed("groupSend to 1000 members in this process, one at a time", G, async () => {
    for (let i = 0; i < G; i++) await layer.groupSend("bench-1000", { type: "bench.group", n: i });
  });

  const encrypted = new RedisChannelLayer({
    hosts: [server.url],
    capacity: 1_000_000,
    symmetricEncryptionKeys: ["k"],
  });
  await timed("send with Fernet encryption, 100 in flight", 20_000, async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (next < 20_000) await encrypted.send("bench.encrypted", { type: "bench.message", n: next++ });
      }),
    );
  });
  await encrypted.close();
  await layer.close();
} finally {
  await server.stop();
}
