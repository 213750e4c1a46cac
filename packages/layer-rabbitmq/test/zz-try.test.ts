import { it, expect } from "vitest";
import { startRabbitMQ } from "/work/main/packages/layer-rabbitmq/test/rabbitmq-server";
it("boots", async () => {
  let t = Date.now();
  const b = await startRabbitMQ();
  console.log("boot", Date.now() - t, b.url);
  t = Date.now();
  await b.restart();
  console.log("restart", Date.now() - t);
  t = Date.now();
  await b.stop();
  console.log("stop", Date.now() - t);
}, 200_000);
