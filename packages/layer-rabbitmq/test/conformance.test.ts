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
  // Expiry runs in the broker on the real clock: 500 ms leaves room for the round trips a case makes
  // before its messages may expire, also on a busy machine (at 100 ms a loaded run saw one expire early).
  describeChannelLayer(
    "RabbitMQChannelLayer",
    (options) =>
      new RabbitMQChannelLayer({ url: broker().url, prefix: `conformance-${++count}`, ...options }),
    { expiryMs: 500 },
  );
});
