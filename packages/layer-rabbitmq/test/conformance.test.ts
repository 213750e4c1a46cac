import { describeChannelLayer } from "@channels-ts/layer-conformance";
import { afterAll, beforeAll, describe } from "vitest";
import { RabbitMQChannelLayer } from "../src/index";
import { missingRabbitMQ, type RabbitMQServer, startRabbitMQ } from "./rabbitmq-server";

const missing = missingRabbitMQ();
if (missing) console.warn(`Skipping the RabbitMQ conformance suite: ${missing}`);

describe.skipIf(missing !== null)("RabbitMQChannelLayer on a real broker", () => {
  let broker: RabbitMQServer;
  let count = 0;
  beforeAll(async () => {
    broker = await startRabbitMQ();
  }, 120_000);
  afterAll(async () => {
    await broker?.stop();
  });

  // Each layer gets its own prefix, so queues declared with one case's capacity never meet another's.
  describeChannelLayer(
    "RabbitMQChannelLayer",
    (options) => new RabbitMQChannelLayer({ url: broker.url, prefix: `conformance-${++count}`, ...options }),
  );
});
