import { HttpCommunicator, WebsocketCommunicator } from "@channels-ts/core/testing";
import { describe, expect, it } from "vitest";
import { AsyncWebsocketConsumer } from "../consumers/websocket-consumer";
import { ImproperlyConfigured } from "../exceptions";
import { CookieMiddleware } from "../middleware/cookie-middleware";
import type { Application, Headers, WebSocketScope } from "../protocol/types";
import { path, URLRouter } from "../routing/index";
import { InMemorySessionStore } from "../sessions/in-memory-session-store";
import type { SessionScope } from "../sessions/session-middleware";
import { SessionMiddleware } from "../sessions/session-middleware";
import { AnonymousUser, isAuthenticated } from "./anonymous-user";
import {
  AuthMiddleware,
  AuthMiddlewareStack,
  type AuthMiddlewareStackOptions,
  type AuthScope,
} from "./auth-middleware";
import { login, logout } from "./login";

interface User {
  id: string;
  name: string;
}
const users = new Map<string, User>([["u1", { id: "u1", name: "bob" }]]);
const SECRET = "auth-tests-secret-auth-tests-secret";

function stackOptions(store = new InMemorySessionStore()): AuthMiddlewareStackOptions<User> {
  return { secret: SECRET, store, resolveUser: (id) => users.get(id) ?? null };
}

/** Says who it is talking to; "login" logs bob in and saves the session, "logout" logs out. */
class WhoAmIConsumer extends AsyncWebsocketConsumer {
  declare scope: WebSocketScope & SessionScope & AuthScope<User>;

  override async connect() {
    await this.accept();
    await this.send(isAuthenticated(this.scope.user) ? this.scope.user.name : "anonymous");
  }

  override async receive(text?: string) {
    if (text === "login") {
      await login(this.scope, users.get("u1"));
      await this.scope.session.save();
      await this.send(this.scope.session.cookieValue!);
    } else if (text === "logout") {
      await logout(this.scope);
      await this.scope.session.save();
      await this.send(String(this.scope.user));
    }
  }
}

async function greeting(app: Application, headers: Headers = [], path = "/ws/") {
  const communicator = new WebsocketCommunicator(app, path, { headers });
  expect((await communicator.connect()).connected).toBe(true);
  return { communicator, hello: await communicator.receiveFrom() };
}

describe("AuthMiddlewareStack", () => {
  it("is anonymous without a cookie, and the logged-in user after login + save (AU-08)", async () => {
    const app = AuthMiddlewareStack(WhoAmIConsumer.asAsgi(), stackOptions());
    const first = await greeting(app);
    expect(first.hello).toBe("anonymous");
    await first.communicator.sendTo("login");
    const cookie = await first.communicator.receiveFrom();
    await first.communicator.disconnect();

    const second = await greeting(app, [["cookie", `sessionid=${cookie}`]]);
    expect(second.hello).toBe("bob");
    await second.communicator.sendTo("logout");
    expect(await second.communicator.receiveFrom()).toBe("AnonymousUser");
    await second.communicator.disconnect();

    const third = await greeting(app, [["cookie", `sessionid=${cookie}`]]);
    expect(third.hello).toBe("anonymous");
    await third.communicator.disconnect();
  });

  it("logs in over HTTP: the response carries the session cookie", async () => {
    const store = new InMemorySessionStore();
    const loginView: Application = async (scope, _receive, send) => {
      await login(scope, users.get("u1"));
      await send({ type: "http.response.start", status: 302, headers: [["location", "/"]] });
      await send({ type: "http.response.body" });
    };
    const response = await new HttpCommunicator(
      AuthMiddlewareStack(loginView, stackOptions(store)),
      "POST",
      "/login/",
    ).getResponse();
    const setCookie = response.headers.find(([name]) => name === "set-cookie")?.[1] ?? "";
    const cookie = setCookie.split(";")[0]!;
    const ws = AuthMiddlewareStack(WhoAmIConsumer.asAsgi(), stackOptions(store));
    const { hello, communicator } = await greeting(ws, [["cookie", cookie]]);
    expect(hello).toBe("bob");
    await communicator.disconnect();
  });

  it("works around a nested router", async () => {
    const app = URLRouter([
      path("ws/", AuthMiddlewareStack(URLRouter([path("me/", WhoAmIConsumer.asAsgi())]), stackOptions())),
    ]);
    const { hello, communicator } = await greeting(app, [], "/ws/me/");
    expect(hello).toBe("anonymous");
    await communicator.disconnect();
  });

  it("keeps a user an outer middleware already set", async () => {
    const presetUser =
      (inner: Application): Application =>
      (scope, receive, send) =>
        inner({ ...scope, user: { id: "x", name: "preset" } }, receive, send);
    const app = CookieMiddleware(
      SessionMiddleware(presetUser(AuthMiddleware(WhoAmIConsumer.asAsgi(), stackOptions())), {
        secret: SECRET,
        store: new InMemorySessionStore(),
      }),
    );
    const { hello, communicator } = await greeting(app);
    expect(hello).toBe("preset");
    await communicator.disconnect();
  });

  it("fails at the first connection when sessions are missing, naming the stack to use", async () => {
    const app = CookieMiddleware(AuthMiddleware(WhoAmIConsumer.asAsgi(), stackOptions()));
    const communicator = new WebsocketCommunicator(app, "/ws/");
    const error = await communicator.connect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImproperlyConfigured);
    expect((error as Error).message).toMatch(/AuthMiddlewareStack/);
  });

  it("refuses to be built without a user resolver", () => {
    const options = { secret: SECRET } as AuthMiddlewareStackOptions<User>;
    expect(() => AuthMiddlewareStack(WhoAmIConsumer.asAsgi(), options)).toThrow(/needs a user resolver/);
    expect(() =>
      AuthMiddleware(WhoAmIConsumer.asAsgi(), {
        resolveUser: () => null,
        onLogin: "x" as unknown as () => void,
      }),
    ).toThrow(/onLogin must be a function/);
  });

  it("exposes an AnonymousUser that is never authenticated", () => {
    const anonymous = new AnonymousUser();
    expect(anonymous.isAuthenticated).toBe(false);
    expect(anonymous.id).toBeNull();
    expect(isAuthenticated(anonymous)).toBe(false);
    expect(isAuthenticated(null)).toBe(false);
    expect(isAuthenticated({ id: 1 })).toBe(true);
  });
});
