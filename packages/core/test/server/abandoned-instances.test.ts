// An application stuck on an await that never settles (not receive()/send()) cannot be cancelled:
// once past its close timeout and its cancellation, the server drops it, counts it in
// stats.abandonedInstances, and shutdown does not wait for it again.
import { connect as connectHttp2 } from "node:http2";
import { connect as connectTcp } from "node:net";
import { describe, expect, it } from "vitest";
import type { Application } from "../../src/protocol/types";
import { openFrameClient, TRANSPORTS, type Transport, transportOptions } from "./frame-client";
import { deferred, start, within } from "./helpers";

/** Accepts (or starts reading), then awaits something that never settles. */
function stuckApp(reached: () => void): Application {
  return async (scope, receive, send) => {
    if (scope.type === "websocket") {
      await receive();
      await send({ type: "websocket.accept" });
    }
    reached();
    await new Promise(() => {}); // a fetch without a timeout, a lost callback…
  };
}

/** Opens a request the app never answers, and drops the connection once the app holds it. */
async function abandonedRequest(transport: Transport, port: number, held: Promise<void>): Promise<void> {
  if (transport === "HTTP/1.1") {
    const socket = connectTcp(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.write("GET /stuck/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await within(held);
    socket.destroy();
    return;
  }
  const session = connectHttp2(`http://127.0.0.1:${port}`);
  session.on("error", () => {});
  const stream = session.request({ ":path": "/stuck/" });
  stream.on("error", () => {});
  await within(held);
  session.destroy();
}

describe.each(TRANSPORTS)("abandoned application instances over %s", (transport) => {
  for (const kind of ["HTTP request", "WebSocket"] as const) {
    it(`a stuck ${kind} is cancelled, then dropped and counted; shutdown does not wait for it`, async () => {
      const held = deferred();
      const server = await start(stuckApp(held.resolve), {
        ...transportOptions(transport),
        applicationCloseTimeoutMs: 50,
      });
      expect(server.stats).toEqual({ runningInstances: 0, abandonedInstances: 0 });
      if (kind === "WebSocket") {
        const client = await openFrameClient(transport, server.port);
        await within(held.promise);
        client.duplex.destroy();
      } else {
        await abandonedRequest(transport, server.port, held.promise);
      }
      await server.logger.waitFor("warn", "did not end after being cancelled");
      expect(server.stats).toEqual({ runningInstances: 0, abandonedInstances: 1 });
      await server.close();
      // Shutdown found nothing to wait for: it did not cancel anything a second time.
      expect(server.logger.has("warn", "into shutdown")).toBe(false);
    });
  }
});
