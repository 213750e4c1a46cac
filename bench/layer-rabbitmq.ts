/**
 * Throughput of RabbitMQChannelLayer against a private RabbitMQ on loopback (not part of the test
 * suite). Two layer instances stand for two processes. Run from the repo root:
 *   bench/node_modules/.bin/tsx bench/layer-rabbitmq.ts
 */

import { RabbitMQChannelLayer } from "@channels-ts/layer-rabbitmq";
import { startRabbitMQ } from "@channels-ts/test-support";

const broker = await startRabbitMQ();
const rate = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString("en");
const rows: Array<[string, string, string]> = [];

async function timed(label: string, count: number, run: () => Promise<void>): Promise<void> {
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  rows.push([label, `${rate(count, ms)} /s`, `${((ms / count) * 1000).toFixed(1)} µs`]);
  console.log(
    `${label.padEnd(72)} ${rate(count, ms).padStart(9)} /s   ${((ms / count) * 1000).toFixed(1)} µs each`,
  );
}

/** Runs `count` calls of `call(i)` with `inFlight` of them pending at a time. */
async function concurrently(
  count: number,
  inFlight: number,
  call: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await call(next++);
    }),
  );
}

try {
  const options = { url: broker.url, capacity: 1_000_000, prefix: "bench" };
  const a = new RabbitMQChannelLayer(options);
  const b = new RabbitMQChannelLayer(options);
  await a.ready();
  await b.ready();
  const N = 20_000;
  await a.send("bench.warmup", { type: "m" });

  await timed("send to a plain channel, one at a time (await each confirm)", 5_000, async () => {
    for (let i = 0; i < 5_000; i++)
      await a.send("bench.sequential", { type: "bench.message", n: i, text: "hello" });
  });
  await timed("send to a plain channel, 100 in flight", N, () =>
    concurrently(N, 100, (n) => a.send("bench.concurrent", { type: "bench.message", n, text: "hello" })),
  );
  await timed("receive from a plain channel (another process), one at a time", N, async () => {
    for (let i = 0; i < N; i++) await b.receive("bench.concurrent");
  });

  const remote = await b.newChannel();
  await timed("send to another process's channel + its receive, 100 in flight", N, async () => {
    const received = (async () => {
      for (let i = 0; i < N; i++) await b.receive(remote);
    })();
    await concurrently(N, 100, (n) => a.send(remote, { type: "bench.message", n }));
    await received;
  });

  const own = await a.newChannel();
  await timed("send to this process's own channel + receive (no broker hop)", N, async () => {
    const received = (async () => {
      for (let i = 0; i < N; i++) await a.receive(own);
    })();
    await concurrently(N, 100, (n) => a.send(own, { type: "bench.message", n }));
    await received;
  });

  const G = 1_000;
  const remoteMembers = await Promise.all(Array.from({ length: 100 }, () => b.newChannel()));
  for (const member of remoteMembers) await b.groupAdd("bench-remote", member);
  await timed(`groupSend to 100 members in another process, deliveries (${G} sends)`, G * 100, async () => {
    const received = Promise.all(
      remoteMembers.map(async (member) => {
        for (let i = 0; i < G; i++) await b.receive(member);
      }),
    );
    await concurrently(G, 10, (n) => a.groupSend("bench-remote", { type: "bench.group", n }));
    await received;
  });

  const localMembers = await Promise.all(Array.from({ length: 1000 }, () => a.newChannel()));
  for (const member of localMembers) await a.groupAdd("bench-local", member);
  const L = 200;
  await timed(`groupSend to 1000 members in this process, one at a time (${L} sends)`, L, async () => {
    for (let i = 0; i < L; i++) await a.groupSend("bench-local", { type: "bench.group", n: i });
  });

  await a.close();
  await b.close();
  console.log("\n| RabbitMQChannelLayer (loopback, one broker) | throughput | per op |\n|---|---:|---:|");
  for (const [label, throughput, each] of rows) console.log(`| ${label} | ${throughput} | ${each} |`);
} finally {
  await broker.stop();
}
