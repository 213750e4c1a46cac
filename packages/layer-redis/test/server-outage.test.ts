// Redis down when the server starts: a handshake whose consumer joins a group is answered at once
// with 503 + Retry-After (not a 500 after the layer's bounded wait), the log gets one warning from
// the server instead of a stack per request, and handshakes succeed again once Redis is back.

import { connect } from "node:net";
import { AsyncWebsocketConsumer, ProtocolTypeRouter } from "@channels-ts/core";
import { type Logger, type RunningServer, serve } from "@channels-ts/core/server";
import { redisServerSkipReason } from "@channels-ts/test-support";
import { useRedis } from "@channels-ts/test-support/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { RedisChannelLayer, RedisPubSubChannelLayer, RedisUnavailableError } from "../src/index";

class RoomConsumer extends AsyncWebsocketConsumer {
  override async connect() {
    await this.channelLayer!.groupAdd("room", this.channelName);
    await this.accept();
  }
  override async receive(text?: string) {
    await this.channelLayer!.groupSend("room", { type: "room.message", text });
  }
  async room_message(event: { text: string }) {
    await this.send(event.text);
  }
}

/** How a raw HTTP/1.1 WebSocket handshake was answered: its status and Retry-After. */
function handshake(port: number): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let head = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("no answer to the handshake within 10 s"));
    }, 10_000);
    socket.on("error", reject);
    socket.on("data", (chunk) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      clearTimeout(timer);
      socket.destroy();
      const status = Number(head.slice(9, 12));
      const retryAfter = /^retry-after: *(.*)$/im.exec(head)?.[1]?.trim();
      resolve(retryAfter === undefined ? { status } : { status, retryAfter });
    });
    socket.write(
      "GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
  });
}

/** Retries until a handshake opens (ioredis reconnects on its own schedule); bounded in count. */
async function handshakeOnceBack(port: number): Promise<{ status: number }> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const result = await handshake(port);
    if (result.status === 101) return result;
    expect(result.status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("handshakes still refused 10 s after Redis came back");
}

function recordingLogger(): Logger & {
  problems: Array<{ level: string; message: string; error?: unknown }>;
} {
  const problems: Array<{ level: string; message: string; error?: unknown }> = [];
  return {
    problems,
    info() {},
    warn: (fields, message) => problems.push({ level: "warn", message, error: fields.err }),
    error: (fields, message) => problems.push({ level: "error", message, error: fields.err }),
  };
}

const skip = redisServerSkipReason();
const redis = useRedis();
let server: RunningServer | undefined;

describe.skipIf(skip)(skip ? `server with Redis down (skipped: ${skip})` : "server with Redis down", () => {
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await redis().start();
  });

  for (const [name, make] of [
    [
      "RedisChannelLayer",
      (url: string) => new RedisChannelLayer({ hosts: [url], sendTimeoutMs: 60_000, onError() {} }),
    ],
    [
      "RedisPubSubChannelLayer",
      (url: string) => new RedisPubSubChannelLayer({ hosts: [url], sendTimeoutMs: 60_000, onError() {} }),
    ],
  ] as const) {
    it(`${name}: handshakes get 503 + Retry-After at once, one warning, and work again once Redis is back`, async () => {
      await redis().stop();
      const logger = recordingLogger();
      server = await serve(ProtocolTypeRouter({ websocket: RoomConsumer.asAsgi() }), {
        host: "127.0.0.1",
        port: 0,
        logger,
        layers: { default: make(redis().url) },
      });
      const port = server.port;
      // sendTimeoutMs is a minute: answered within the 10 s bound means the layer did not wait it out.
      for (let i = 0; i < 5; i++) expect(await handshake(port)).toEqual({ status: 503, retryAfter: "5" });
      expect(logger.problems).toHaveLength(1);
      expect(logger.problems[0]?.level).toBe("warn");
      expect(logger.problems[0]?.message).toMatch(
        /Channel layer unavailable .*Redis .*(unreachable|cannot be reached)/,
      );

      await redis().start();
      // 101: the consumer's groupAdd went through Redis again.
      expect(await handshakeOnceBack(port)).toEqual({ status: 101 });
      expect(logger.problems.filter((p) => p.level === "error")).toEqual([]);
    });
  }
});

describe.skipIf(skip)(
  skip ? `known outages (skipped: ${skip})` : "the layer does not wait out a known outage",
  () => {
    const made: RedisChannelLayer[] = [];
    afterEach(async () => {
      await redis().start();
      for (const layer of made.splice(0)) await layer.close();
    });

    it("Redis never reached since start: a send fails at its first failed connection attempt", async () => {
      await redis().stop();
      const layer = new RedisChannelLayer({ hosts: [redis().url], sendTimeoutMs: 60_000, onError() {} });
      made.push(layer);
      const first = await layer.send("down.at.start", { type: "m" }).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(RedisUnavailableError);
      expect((first as Error).message).toMatch(/cannot be reached/);
      const second = await layer.groupAdd("g", "down.at.start").catch((e: unknown) => e);
      expect((second as Error).message).toMatch(/unreachable \(down for \d+ ms, never reached since start\)/);
      await redis().start();
      // Still bounded by sendTimeoutMs: a send retried after Redis is back gets through.
      for (let attempt = 0; attempt < 100; attempt++) {
        const outcome = await layer.send("down.at.start", { type: "m" }).then(
          () => "sent",
          (e: unknown) => e,
        );
        if (outcome === "sent") return;
        expect(outcome).toBeInstanceOf(RedisUnavailableError);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error("sends still failing 10 s after Redis came back");
    });

    it("an outage older than sendTimeoutMs: the next send fails at once instead of waiting again", async () => {
      const layer = new RedisChannelLayer({ hosts: [redis().url], sendTimeoutMs: 300, onError() {} });
      made.push(layer);
      await layer.send("warm", { type: "m" });
      await redis().stop();
      const waited = await layer.send("outage", { type: "m" }).catch((e: unknown) => e);
      expect((waited as Error).message).toMatch(/did not answer within 300 ms/);
      // The outage is dated from the client noticing the closed socket, a moment after the stop.
      let fast: unknown;
      for (let attempt = 0; attempt < 3; attempt++) {
        fast = await layer.send("outage", { type: "m" }).catch((e: unknown) => e);
        if (/unreachable/.test((fast as Error).message)) break;
      }
      expect(fast).toBeInstanceOf(RedisUnavailableError);
      expect((fast as Error).message).toMatch(/unreachable \(down for \d+ ms\)/);
    });
  },
);
