// Token auth by each carrier, through the real server and a real WebSocket client.
import {
  AsyncWebsocketConsumer,
  type AuthScope,
  isAuthenticated,
  ProtocolTypeRouter,
  TokenAuthMiddleware,
  type WebSocketScope,
} from "@channels-ts/core";
import { type RunningServer, serve } from "@channels-ts/core/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSocket, handshake } from "./ws-client";

interface User {
  id: string;
  name: string;
}

class WhoAmIConsumer extends AsyncWebsocketConsumer {
  declare scope: WebSocketScope & AuthScope<User>;
  override async connect() {
    await this.accept(this.scope.subprotocols.includes("chat") ? "chat" : null);
    await this.send(isAuthenticated(this.scope.user) ? this.scope.user.name : "anonymous");
  }
}

let server: RunningServer;
let wsUrl: string;

beforeAll(async () => {
  const app = ProtocolTypeRouter({
    websocket: TokenAuthMiddleware(WhoAmIConsumer.asAsgi(), {
      verify: (token) => (token === "s3cret-token" ? { id: "1", name: "alice" } : null),
    }),
  });
  server = await serve(app, { host: "127.0.0.1", port: 0, logger: null });
  wsUrl = `${server.url.replace(/^http/, "ws")}/ws/`;
});

afterAll(async () => {
  await server?.close();
});

async function whoAmI(url: string, protocols: string[] = [], headers: Record<string, string> = {}) {
  const result = await handshake(url, protocols, headers);
  if (result.kind !== "open") return result;
  const name = await result.inbox.next();
  const protocol = result.socket.protocol;
  await closeSocket(result.socket);
  return { kind: "open" as const, name, protocol };
}

describe("TokenAuthMiddleware behind the real server", () => {
  it("authenticates by Authorization: Bearer", async () => {
    expect(await whoAmI(wsUrl, [], { authorization: "Bearer s3cret-token" })).toEqual({
      kind: "open",
      name: "alice",
      protocol: "",
    });
  });

  it("authenticates by a bearer.<token> subprotocol, never echoing the token", async () => {
    expect(await whoAmI(wsUrl, ["chat", "bearer.s3cret-token"])).toEqual({
      kind: "open",
      name: "alice",
      protocol: "chat",
    });
  });

  it("authenticates by ?token=", async () => {
    expect(await whoAmI(`${wsUrl}?token=s3cret-token`)).toEqual({
      kind: "open",
      name: "alice",
      protocol: "",
    });
  });

  it("lets a client without a token in anonymously", async () => {
    expect(await whoAmI(wsUrl)).toMatchObject({ kind: "open", name: "anonymous" });
  });

  it("refuses a wrong token with 401 and WWW-Authenticate: Bearer", async () => {
    const result = await whoAmI(wsUrl, [], { authorization: "Bearer forged" });
    expect(result).toMatchObject({ kind: "refused", status: 401, body: "Invalid token" });
    expect(result.kind === "refused" && result.headers["www-authenticate"]).toBe("Bearer");
  });
});
