import { HttpCommunicator, WebsocketCommunicator } from "@channels-ts/core/testing";
import { describe, expect, it } from "vitest";
import { AsyncWebsocketConsumer } from "../consumers/websocket-consumer";
import { ImproperlyConfigured } from "../exceptions";
import type { Application, WebSocketScope } from "../protocol/types";
import { type AnonymousUser, isAuthenticated } from "./anonymous-user";
import type { AuthScope } from "./auth-middleware";
import { TokenAuthMiddleware, type TokenAuthOptions, type TokenContext } from "./token-auth-middleware";
import type { TokenCarrier } from "./token-carriers";

interface User {
  id: string;
  name: string;
}
const tokens = new Map<string, User>([["good-token", { id: "1", name: "alice" }]]);

/** Accepts (choosing "chat" when offered) and reports the user, the subprotocols it saw and the header. */
class ReportConsumer extends AsyncWebsocketConsumer {
  declare scope: WebSocketScope & AuthScope<User>;
  override async connect() {
    await this.accept(this.scope.subprotocols.includes("chat") ? "chat" : null);
    const user = this.scope.user;
    await this.send(
      JSON.stringify({
        user: isAuthenticated(user) ? user.name : String(user),
        subprotocols: this.scope.subprotocols,
        header: this.scope.headers.find(([name]) => name === "sec-websocket-protocol")?.[1] ?? null,
        query: this.scope.query_string,
      }),
    );
  }
}

function app(extra: Partial<TokenAuthOptions<User>> = {}, seen: TokenContext[] = []): Application {
  return TokenAuthMiddleware(ReportConsumer.asAsgi(), {
    verify: (token, context) => {
      seen.push(context);
      return tokens.get(token) ?? null;
    },
    ...extra,
  });
}

function wsClient(
  application: Application,
  path: string,
  headers: [string, string][] = [],
  subprotocols: string[] = [],
) {
  return new WebsocketCommunicator(application, path, { headers, subprotocols });
}

async function report(communicator: WebsocketCommunicator) {
  const result = await communicator.connect();
  expect(result.connected).toBe(true);
  const data = (await communicator.receiveJsonFrom()) as {
    user: string;
    subprotocols: string[];
    header: string | null;
    query: string;
  };
  await communicator.disconnect();
  return { ...data, subprotocol: result.subprotocol };
}

describe("TokenAuthMiddleware carriers", () => {
  it("reads Authorization: Bearer", async () => {
    const seen: TokenContext[] = [];
    const result = await report(wsClient(app({}, seen), "/ws/", [["authorization", "Bearer good-token"]]));
    expect(result.user).toBe("alice");
    expect(seen.map((context) => context.carrier)).toEqual(["header"]);
  });

  it("reads a bearer.<token> subprotocol and hides it from the consumer", async () => {
    const seen: TokenContext[] = [];
    const communicator = wsClient(
      app({}, seen),
      "/ws/",
      [["sec-websocket-protocol", "chat, bearer.good-token"]],
      ["chat", "bearer.good-token"],
    );
    const result = await report(communicator);
    expect(result).toEqual({
      user: "alice",
      subprotocols: ["chat"],
      header: "chat",
      subprotocol: "chat",
      query: "",
    });
    expect(seen.map((context) => context.carrier)).toEqual(["subprotocol"]);
  });

  it("reads ?token= from the query string and removes it from the consumer's scope", async () => {
    const seen: TokenContext[] = [];
    const result = await report(wsClient(app({}, seen), "/ws/?room=1&token=good-token&x=%20"));
    expect(result.user).toBe("alice");
    expect(result.query).toBe("room=1&x=%20");
    expect(seen.map((context) => context.carrier)).toEqual(["query"]);
    // A token that fails (let in as anonymous) is removed too.
    const anonymous = await report(wsClient(app({ onInvalidToken: "anonymous" }), "/ws/?token=bad&room=2"));
    expect(anonymous).toMatchObject({ user: "AnonymousUser", query: "room=2" });
  });

  it("follows the configured carriers, in order, with a custom parameter and prefix", async () => {
    const seen: TokenContext[] = [];
    const custom = app(
      { carriers: ["query", "subprotocol"], queryParam: "access_token", subprotocolPrefix: "jwt-" },
      seen,
    );
    const result = await report(
      wsClient(custom, "/ws/?access_token=good-token", [["authorization", "Bearer nope"]], ["jwt-nope"]),
    );
    expect(result.user).toBe("alice");
    expect(result.query).toBe("");
    expect(seen.map((context) => context.carrier)).toEqual(["query"]);
    const headerOnly = app({ carriers: ["header"] });
    expect((await report(wsClient(headerOnly, "/ws/?token=good-token"))).user).toBe("AnonymousUser");
  });

  it("authenticates HTTP requests by header", async () => {
    const seen: string[] = [];
    const view = TokenAuthMiddleware(
      async (scope, _receive, send) => {
        const user = scope.user as User | AnonymousUser;
        seen.push(isAuthenticated(user) ? user.name : "anonymous");
        await send({ type: "http.response.start", status: 204 });
        await send({ type: "http.response.body" });
      },
      { verify: (token) => tokens.get(token) ?? null },
    );
    await new HttpCommunicator(view, "GET", "/api/", "", [
      ["authorization", "bearer good-token"],
    ]).getResponse();
    await new HttpCommunicator(view, "GET", "/api/").getResponse();
    expect(seen).toEqual(["alice", "anonymous"]);
  });
});

describe("TokenAuthMiddleware outcomes", () => {
  it("lets clients without a token in as AnonymousUser", async () => {
    expect((await report(wsClient(app(), "/ws/"))).user).toBe("AnonymousUser");
  });

  it("refuses an invalid token: close before accept without the denial extension", async () => {
    const communicator = wsClient(app(), "/ws/?token=forged");
    expect(await communicator.connect()).toEqual({ connected: false, closeCode: 1000 });
  });

  it("refuses an invalid token with a 401 where the server has denial responses", async () => {
    const communicator = new WebsocketCommunicator(app(), "/ws/", {
      headers: [["authorization", "Bearer forged"]],
      scope: { extensions: { "websocket.http.response": {} } },
    });
    const result = await communicator.connect();
    if (result.connected) throw new Error("expected the connection to be refused");
    expect(result.connected).toBe(false);
    expect(result.response?.status).toBe(401);
    expect(result.response?.headers).toContainEqual(["www-authenticate", "Bearer"]);
    expect(new TextDecoder().decode(result.response?.body)).toBe("Invalid token");
  });

  it("refuses an invalid token over HTTP with 401", async () => {
    const response = await new HttpCommunicator(app(), "GET", "/api/?token=forged").getResponse();
    expect(response.status).toBe(401);
  });

  it("lets an invalid token in as anonymous with onInvalidToken: anonymous", async () => {
    expect((await report(wsClient(app({ onInvalidToken: "anonymous" }), "/ws/?token=forged"))).user).toBe(
      "AnonymousUser",
    );
  });

  it("refuses clients without a token when required", async () => {
    expect(await wsClient(app({ required: true }), "/ws/").connect()).toEqual({
      connected: false,
      closeCode: 1000,
    });
    expect((await report(wsClient(app({ required: true }), "/ws/?token=good-token"))).user).toBe("alice");
  });

  it("leaves a connection an outer middleware authenticated alone", async () => {
    const seen: TokenContext[] = [];
    const inner = app({}, seen);
    const outer: Application = (scope, receive, send) =>
      inner({ ...scope, user: { id: "2", name: "session-user" } }, receive, send);
    expect((await report(wsClient(outer, "/ws/?token=forged"))).user).toBe("session-user");
    expect(seen).toEqual([]);
  });

  it("checks its options when built", () => {
    const consumer = ReportConsumer.asAsgi();
    expect(() => TokenAuthMiddleware(consumer, {} as TokenAuthOptions<User>)).toThrow(
      /needs a verify callback/,
    );
    expect(() =>
      TokenAuthMiddleware(consumer, { verify: () => null, carriers: ["cookie" as TokenCarrier] }),
    ).toThrow(ImproperlyConfigured);
    expect(() =>
      TokenAuthMiddleware(consumer, { verify: () => null, onInvalidToken: "ignore" as "deny" }),
    ).toThrow(/onInvalidToken/);
  });
});
