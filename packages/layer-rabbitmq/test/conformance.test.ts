import { describeChannelLayer } from "@channels-ts/layer-conformance";
import { missingRabbitMQ } from "@channels-ts/test-support";
import { useRabbitMQ } from "@channels-ts/test-support/vitest";
import { describe } from "vitest";
import { RabbitMQChannelLayer } from "../src/index";

const missing = missingRabbitMQ();
if (missing) console.warn(`Skipping the RabbitMQ conformance suite: ${missing}`);

describe.skipIf(missing !== null)("RabbitMQChannelLayer on a real broker", () => {
  const broker = useRabbitMQ();
  let count = 0;

  // Each layer gets its own prefix, so queues declared with one case's capacity never meet another's.
  describeChannelLayer(
    "RabbitMQChannelLayer",
    (options) =>
      new RabbitMQChannelLayer({ url: broker().url, prefix: `conformance-${++count}`, ...options }),
  );
});
