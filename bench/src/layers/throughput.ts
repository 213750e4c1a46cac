// One channel layer alone, no server: `send`/`receive` and `groupSend` throughput. Run as a child:
// `throughput.ts memory '<json sizes>'`, `throughput.ts redis '<json sizes>' redis://…` or
// `throughput.ts rabbitmq '<json sizes>' amqp://…`.
// Prints `RESULT {json}`. The same loops are in ../../django/layer_bench.py for Django's layers.
import type { ChannelLayer } from "@channels-ts/core";
import { InMemoryChannelLayer } from "@channels-ts/layer-memory";
import { RabbitMQChannelLayer } from "@channels-ts/layer-rabbitmq";
import { RedisChannelLayer } from "@channels-ts/layer-redis";

export interface LayerSizes {
  channels: number;
  batch: number;
  groupSize: number;
  groupBatch: number;
  maxMs: number;
  maxMessages: number;
}

export interface LayerResult {
  sendReceivePerSecond: number;
  groupDeliveriesPerSecond: number;
}

const MESSAGE = { type: "chat.message", message: "a short chat line, about forty bytes" };

/**
 * `send` then `receive` in batches on `channels` channels at once (batches stay under capacity).
 * Plain channel names, so every message crosses the backend as between two processes (a layer may
 * hand a process's messages to its own `newChannel()` channels over without a round trip).
 */
async function sendReceive(layer: ChannelLayer, sizes: LayerSizes, ms: number): Promise<number> {
  const end = performance.now() + ms;
  const perWorker = Math.ceil(sizes.maxMessages / sizes.channels);
  let total = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: sizes.channels }, async (_, index) => {
      const channel = `bench.send-receive.${Math.random().toString(36).slice(2, 8)}.${index}`;
      for (let done = 0; done < perWorker && performance.now() < end; done += sizes.batch) {
        for (let i = 0; i < sizes.batch; i++) await layer.send(channel, MESSAGE);
        for (let i = 0; i < sizes.batch; i++) await layer.receive(channel);
        total += sizes.batch;
      }
    }),
  );
  return total / ((performance.now() - start) / 1000);
}

/** `groupSend` to a group of `groupSize` channels, each member receiving every message. */
async function groupSend(layer: ChannelLayer, sizes: LayerSizes, ms: number): Promise<number> {
  const group = `bench_group_${Math.random().toString(36).slice(2, 8)}`;
  const members = await Promise.all(Array.from({ length: sizes.groupSize }, () => layer.newChannel()));
  for (const channel of members) await layer.groupAdd(group, channel);
  const end = performance.now() + ms;
  let deliveries = 0;
  const start = performance.now();
  while (performance.now() < end && deliveries < sizes.maxMessages) {
    for (let i = 0; i < sizes.groupBatch; i++) await layer.groupSend(group, MESSAGE);
    await Promise.all(
      members.map(async (channel) => {
        for (let i = 0; i < sizes.groupBatch; i++) await layer.receive(channel);
      }),
    );
    deliveries += sizes.groupBatch * members.length;
  }
  for (const channel of members) await layer.groupDiscard(group, channel);
  return deliveries / ((performance.now() - start) / 1000);
}

const [kind, sizesJson, url] = process.argv.slice(2);
const sizes = JSON.parse(sizesJson!) as LayerSizes;
function makeLayer(): ChannelLayer {
  if (kind === "redis") return new RedisChannelLayer({ hosts: [url!] });
  if (kind === "rabbitmq") return new RabbitMQChannelLayer({ url: url! });
  return new InMemoryChannelLayer();
}
const layer = makeLayer();
// A short warm-up of each loop first, so the JIT and the connections are ready.
await sendReceive(layer, sizes, sizes.maxMs / 5);
const sendReceivePerSecond = await sendReceive(layer, sizes, sizes.maxMs);
await groupSend(layer, sizes, sizes.maxMs / 5);
const groupDeliveriesPerSecond = await groupSend(layer, sizes, sizes.maxMs);
await layer.close();
const result: LayerResult = { sendReceivePerSecond, groupDeliveriesPerSecond };
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(0);
