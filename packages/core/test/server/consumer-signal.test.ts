// this.signal over a real server: a client that leaves while a handler waits aborts the wait.
import { setTimeout as sleep } from "node:timers/promises";
import { AsyncWebsocketConsumer, ProtocolTypeRouter, path, URLRouter } from "@channels-ts/core";
import { type Logger, serve } from "@channels-ts/core/server";
import { expect, it } from "vitest";
import { WebSocket } from "ws";

it("a handler awaiting with this.signal is aborted when the client closes, and nothing is logged as an error", async () => {
  const errors: string[] = [];
  const logger: Logger = { info() {}, warn() {}, error: (_fields, message) => errors.push(message) };
  let started!: () => void;
  const handlerStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  let aborted!: (reason: unknown) => void;
  const handlerAborted = new Promise<unknown>((resolve) => {
    aborted = resolve;
  });
  class Slow extends AsyncWebsocketConsumer {
    static override channelLayerAlias = "none";
    override async receive() {
      started();
      try {
        await sleep(3_600_000, undefined, { signal: this.signal });
      } catch (error) {
        aborted(this.signal.reason);
        throw error;
      }
    }
  }
  const server = await serve(ProtocolTypeRouter({ websocket: URLRouter([path("ws/", Slow.asAsgi())]) }), {
    host: "127.0.0.1",
    port: 0,
    logger,
  });
  try {
    const client = new WebSocket(`ws://127.0.0.1:${server.port}/ws/`);
    await new Promise((resolve, reject) => {
      client.once("open", resolve);
      client.once("error", reject);
    });
    client.send("work");
    await handlerStarted;
    client.close(1000);
    // Before: the handler waited an hour (until the server's close timeout cancelled the instance).
    expect(String(await handlerAborted)).toMatch(/connection ended/);
  } finally {
    await server.close();
  }
  expect(errors).toEqual([]);
});
