/** What needs no broker: options, names, and failing clearly when the broker is unreachable. */

import { createServer } from "node:net";
import { ChannelLayerClosed, ImproperlyConfigured } from "@channels-ts/core";
import { describe, expect, it } from "vitest";
import { RabbitMQChannelLayer, RabbitMQUnavailableError } from "./index";

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 1));
    });
  });
}

describe("RabbitMQChannelLayer without a broker", () => {
  it("fails a send within sendTimeoutMs with RabbitMQUnavailableError, naming the cause, not the password", async () => {
    const port = await closedPort();
    const reported: Error[] = [];
    const layer = new RabbitMQChannelLayer({
      url: `amqp://user:secret@127.0.0.1:${port}`,
      sendTimeoutMs: 300,
      onError: (error) => reported.push(error),
    });
    try {
      const error = await layer.send("chan", { type: "m" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RabbitMQUnavailableError);
      expect((error as Error).name).toBe("RabbitMQUnavailableError");
      expect((error as Error).message).toMatch(/no connection within 300 ms/);
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
      expect((error as Error).message).not.toContain("secret");
      await expect(layer.groupSend("g", { type: "m" })).rejects.toBeInstanceOf(RabbitMQUnavailableError);
      await expect(layer.ready(50)).rejects.toBeInstanceOf(RabbitMQUnavailableError);
      expect(layer.isConnected).toBe(false);
      expect(reported[0]).toBeInstanceOf(RabbitMQUnavailableError);
      expect(reported[0]?.message).toMatch(
        /cannot connect to RabbitMQ at amqp:\/\/user:\*\*\*@127\.0\.0\.1:\d+: .*ECONNREFUSED/,
      );
    } finally {
      await layer.close();
    }
  });

  it("still serves its own process-local channels, which need no broker", async () => {
    const layer = new RabbitMQChannelLayer({
      url: `amqp://127.0.0.1:${await closedPort()}`,
      sendTimeoutMs: 100,
      onError: () => {},
    });
    try {
      const channel = await layer.newChannel();
      await layer.send(channel, { type: "local" });
      expect(await layer.receive(channel)).toEqual({ type: "local" });
    } finally {
      await layer.close();
    }
  });

  it("rejects a waiting call with ChannelLayerClosed when closed", async () => {
    const layer = new RabbitMQChannelLayer({
      url: `amqp://127.0.0.1:${await closedPort()}`,
      sendTimeoutMs: 10_000,
      onError: () => {},
    });
    const pending = layer.send("chan", { type: "m" });
    await layer.close();
    await expect(pending).rejects.toBeInstanceOf(ChannelLayerClosed);
  });

  it("checks its options", () => {
    expect(() => new RabbitMQChannelLayer({ prefix: "bad prefix!" })).toThrow(ImproperlyConfigured);
    expect(() => new RabbitMQChannelLayer({ sendTimeoutMs: 0 })).toThrow(/sendTimeoutMs/);
    expect(() => new RabbitMQChannelLayer({ prefetchCount: 1.5 })).toThrow(/prefetchCount/);
  });

  it("makes process-local names with the prefix and its client id", async () => {
    const layer = new RabbitMQChannelLayer({
      url: `amqp://127.0.0.1:${await closedPort()}`,
      onError: () => {},
    });
    try {
      const name = await layer.newChannel("websocket");
      expect(name).toMatch(new RegExp(`^websocket\\.${layer.clientId}![A-Za-z0-9]{12}$`));
      expect(layer.prefix).toBe("asgi");
    } finally {
      await layer.close();
    }
  });
});
