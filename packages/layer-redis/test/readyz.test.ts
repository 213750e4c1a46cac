// /readyz follows the channel layer: 503 while Redis is down, 200 again once it is back.
import { ProtocolTypeRouter } from "@channels-ts/core";
import { type RunningServer, serve } from "@channels-ts/core/server";
import { redisServerSkipReason } from "@channels-ts/test-support";
import { useRedis } from "@channels-ts/test-support/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { RedisChannelLayer } from "../src/index";

const skip = redisServerSkipReason();
const redis = useRedis();
let server: RunningServer | undefined;

async function readyz(): Promise<{ status: number; body: string }> {
  const response = await fetch(`${server!.url}/readyz`);
  return { status: response.status, body: await response.text() };
}

describe.skipIf(skip)(skip ? `/readyz with Redis (skipped: ${skip})` : "/readyz with Redis", () => {
  afterEach(async () => {
    await redis().start();
    await server?.close();
    server = undefined;
  });

  it("answers 503 naming the layer while Redis is down, and 200 once it is back", async () => {
    let reconnected!: () => void;
    const restored = new Promise<void>((resolve) => {
      reconnected = resolve;
    });
    const layer = new RedisChannelLayer({
      hosts: [redis().url],
      sendTimeoutMs: 1_000,
      onError: () => {},
      // With a membership to put back, the layer reports its reconnect: something to await.
      onGroupsRestored: () => reconnected(),
    });
    await layer.groupAdd("watchers", await layer.newChannel()); // one of its own channels
    server = await serve(ProtocolTypeRouter({}), {
      port: 0,
      layers: { default: layer },
      healthEndpoints: true,
      logger: null,
    });
    expect(await readyz()).toEqual({ status: 200, body: "ready\n" });
    await redis().stop();
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body).toMatch(/^layer default: RedisUnavailableError: /);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200); // the process itself is fine
    await redis().start();
    // While Redis is down past sendTimeoutMs, ping() fails at once (a probe must not hang), so
    // /readyz turns 200 again once the layer has reconnected.
    await restored;
    expect(await readyz()).toEqual({ status: 200, body: "ready\n" });
  });
});
