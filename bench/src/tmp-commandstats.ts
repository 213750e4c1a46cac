import { startRedisServer } from "@channels-ts/layer-conformance";
import { Redis } from "ioredis";
import { connectClient } from "./clients/protocol";
import { startServer } from "./servers/catalog";

const redis = await startRedisServer();
const r = new Redis(redis.url);
for (const id of ["channels-redis", "socketio-redis", "django-redis"] as const) {
  await r.flushall();
  const server = await startServer(id, { redisUrl: redis.url, cpu: 0 });
  const client = await connectClient(server.url, SERVERS_PROTOCOL(id), "stats_room");
  await new Promise((resolve) => setTimeout(resolve, 300));
  await r.config("RESETSTAT");
  for (let i = 0; i < 1000; i++) {
    await new Promise<void>((resolve) => {
      client.onMessage = () => resolve();
      client.send(`${i}`);
    });
  }
  const stats = (await r.info("commandstats")).split("\n").filter((l) => l.startsWith("cmdstat_")).map((l) => l.replace(/,usec_per_call.*/, "").trim());
  console.log(id, "per 1000 echoes:", stats.join(" | "));
  client.terminate();
  await server.stop();
}
r.disconnect();
await redis.stop();
function SERVERS_PROTOCOL(id: string) {
  return id.startsWith("socketio") ? "socketio" : "chat";
}
