// Vitest hooks: kept apart from rabbitmq-server.ts, which the benchmarks import outside vitest.
import { afterAll, beforeAll } from "vitest";
import { type RabbitMQServer, startRabbitMQ } from "./rabbitmq-server";

/**
 * One broker for the tests of the enclosing `describe`: started before them (boot is slow, so one
 * per file), stopped after them. Returns the running broker's getter, for use inside tests.
 */
export function useRabbitMQ(): () => RabbitMQServer {
  let broker: RabbitMQServer | undefined;
  beforeAll(async () => {
    broker = await startRabbitMQ();
  }, 120_000);
  afterAll(async () => {
    await broker?.stop();
  });
  return () => {
    if (!broker)
      throw new Error("The RabbitMQ broker is not running: use it inside a test, not at collection time.");
    return broker;
  };
}
