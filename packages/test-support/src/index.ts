// Broker launchers for this repository's tests, examples and benchmarks. Plain Node: no vitest, so
// the benchmarks can import it. The vitest hooks are on `@channels-ts/test-support/vitest`.
export { freePort } from "./free-port";
export { missingRabbitMQ, type RabbitMQServer, startRabbitMQ } from "./rabbitmq-server";
export {
  hasRedisServer,
  type RedisServerHandle,
  redisServerSkipReason,
  type StartRedisServerOptions,
  startRedisServer,
} from "./redis-server";
