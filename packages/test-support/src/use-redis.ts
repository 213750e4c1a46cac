// Vitest hooks: kept apart from redis-server.ts, which the benchmarks import outside vitest.
import { afterAll, beforeAll } from "vitest";
import {
  type RedisServerHandle,
  redisServerSkipReason,
  type StartRedisServerOptions,
  startRedisServer,
} from "./redis-server";

/**
 * One private `redis-server` for the tests of the enclosing `describe` (or file): started before
 * them, stopped after them. Starts nothing where `redisServerSkipReason()` says Redis is missing,
 * so call it inside `describe.skipIf(redisServerSkipReason())`. Returns the running server's getter.
 */
export function useRedis(options?: StartRedisServerOptions): () => RedisServerHandle {
  let server: RedisServerHandle | undefined;
  beforeAll(async () => {
    if (redisServerSkipReason() === undefined) server = await startRedisServer(options);
  });
  afterAll(async () => {
    await server?.stop();
    server = undefined;
  });
  return () => {
    if (!server)
      throw new Error("The Redis server is not running: use it inside a test, not at collection time.");
    return server;
  };
}
