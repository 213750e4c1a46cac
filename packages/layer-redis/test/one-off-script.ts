/**
 * A one-off script, as a cron job or a Django view's `async_to_sync(channel_layer.group_send)`
 * would be: it sends to a group and to a channel, prints "sent", and never calls `close()`. The
 * idle-exit test requires it to exit on its own. LAYER picks the layer: "redis" or "memory".
 */
import type { ChannelLayer } from "@channels-ts/core";
import { InMemoryChannelLayer } from "@channels-ts/core/layers";
import { RedisChannelLayer, RedisPubSubChannelLayer } from "../src/index";

const url = process.env.REDIS_URL ?? "";
const layers: Record<string, () => ChannelLayer> = {
  redis: () => new RedisChannelLayer({ hosts: [url] }),
  pubsub: () => new RedisPubSubChannelLayer({ hosts: [url] }),
  memory: () => new InMemoryChannelLayer(),
};
const layer = (layers[process.env.LAYER ?? ""] ?? layers.memory!)();

// A member for the group (a consumer elsewhere would be one). Not on the pub/sub layer, where
// joining a group subscribes this process, which then listens for it.
if (process.env.LAYER !== "pubsub") await layer.groupAdd("news", "specific.listener!x");
await layer.groupSend("news", { type: "news.item", text: "from a script" });
await layer.send("jobs", { type: "job.run" });
process.stdout.write("sent\n");
