import { HttpCommunicator, WebsocketCommunicator } from "@channels-ts/core/testing";
import { describe, expect, it } from "vitest";
import { ImproperlyConfigured, SessionInterrupted } from "../exceptions";
import { CookieMiddleware } from "../middleware/cookie-middleware";
import type { Application, Headers, Scope } from "../protocol/types";
import { InMemorySessionStore } from "./in-memory-session-store";
import type { Session } from "./session";
import { SessionMiddleware, SessionMiddlewareStack } from "./session-middleware";
import type { SessionMiddlewareOptions } from "./session-options";
import { SessionCookieSigner } from "./session-signer";

const SECRET = "a-secret-that-is-long-enough-0123456789";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Handler = (session: Session, scope: Scope) => Promise<number | undefined> | number | undefined;

/** An HTTP app: runs `handler` on the session, answers its status (200) with the session key as body. */
function httpApp(handler: Handler): Application {
  return async (scope, _receive, send) => {
    const session = scope.session as Session;
    const status = (await handler(session, scope)) ?? 200;
    await send({ type: "http.response.start", status, headers: [["content-type", "text/plain"]] });
    await send({ type: "http.response.body", body: encoder.encode(session.sessionKey ?? "") });
  };
}

function setCookies(headers: Headers): string[] {
  return headers.filter(([name]) => name === "set-cookie").map(([, value]) => value);
}

/** The `name=value` part of a Set-Cookie header, ready for a request's `cookie` header. */
function cookiePair(setCookie: string): string {
  return setCookie.split(";")[0]!;
}

function options(extra: Partial<SessionMiddlewareOptions> = {}): SessionMiddlewareOptions {
  return { secret: SECRET, store: new InMemorySessionStore(), ...extra };
}

async function get(app: Application, headers: Headers = [], path = "/test/") {
  const response = await new HttpCommunicator(app, "GET", path, "", headers).getResponse();
  return { ...response, text: decoder.decode(response.body), cookies: setCookies(response.headers) };
}

describe("SessionMiddleware over HTTP", () => {
  it("sets one session cookie with Django's attributes when the session changed (SE-02)", async () => {
    const app = SessionMiddlewareStack(
      httpApp((session) => {
        session.set("fav_color", "blue");
        return 200;
      }),
      options(),
    );
    const { cookies } = await get(app);
    expect(cookies).toHaveLength(1);
    const [cookie] = cookies as [string];
    expect(cookie).toMatch(/^sessionid=[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]+;/);
    for (const part of ["Max-Age=1209600", "Path=/", "Expires=", "HttpOnly", "SameSite=Lax"]) {
      expect(cookie).toContain(part);
    }
    expect(cookie).not.toContain("Secure");
  });

  it.each([
    ["Strict", false, "SameSite=Strict"],
    ["None", true, "SameSite=None"],
  ] as const)("honours sameSite %s (SE-03)", async (sameSite, secure, expected) => {
    const app = SessionMiddlewareStack(
      httpApp((session) => void session.set("a", 1)),
      options({ cookie: { sameSite, secure } }),
    );
    expect((await get(app)).cookies[0]).toContain(expected);
  });

  it("rejects an invalid sameSite when the stack is built (SE-04)", () => {
    expect(() =>
      SessionMiddlewareStack(
        httpApp(() => 200),
        options({ cookie: { sameSite: "Hello" as "lax" } }),
      ),
    ).toThrow(ImproperlyConfigured);
    expect(() =>
      SessionMiddlewareStack(
        httpApp(() => 200),
        options({ cookie: { sameSite: "none" } }),
      ),
    ).toThrow(/needs secure: true/);
  });

  it("keeps concurrent connections apart (SE-05)", async () => {
    const store = new InMemorySessionStore();
    const app = SessionMiddlewareStack(
      httpApp((session, scope) => {
        session.set("path", scope.path as string);
        return 200;
      }),
      { secret: SECRET, store },
    );
    const first = new HttpCommunicator(app, "GET", "/first/");
    const second = new HttpCommunicator(app, "GET", "/second/");
    const secondKey = decoder.decode((await second.getResponse()).body);
    const firstKey = decoder.decode((await first.getResponse()).body);
    expect(firstKey).not.toBe(secondKey);
    expect(await store.load(firstKey)).toEqual({ path: "/first/" });
    expect(await store.load(secondKey)).toEqual({ path: "/second/" });
  });

  it("saves the session when the response starts (SE-06)", async () => {
    const store = new InMemorySessionStore();
    const app = SessionMiddlewareStack(
      httpApp((session) => void session.set("fav_color", "blue")),
      { secret: SECRET, store },
    );
    const { text } = await get(app);
    expect(text).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await store.load(text)).toEqual({ fav_color: "blue" });
  });

  it("an HTTP consumer's own save() still sends the cookie, with Django's attributes", async () => {
    const store = new InMemorySessionStore();
    const app = SessionMiddlewareStack(
      httpApp(async (session) => {
        session.set("cart", [1]);
        await session.save();
        return 200;
      }),
      { secret: SECRET, store },
    );
    const { text, cookies } = await get(app);
    expect(cookies).toHaveLength(1);
    const [cookie] = cookies as [string];
    expect(
      new SessionCookieSigner(SECRET).verify(cookiePair(cookie).slice("sessionid=".length))?.sessionKey,
    ).toBe(text);
    for (const part of ["Max-Age=1209600", "Expires=", "Path=/", "HttpOnly", "SameSite=Lax"]) {
      expect(cookie).toContain(part);
    }
    expect(await store.load(text)).toEqual({ cart: [1] });
  });

  it("a session saved, then deleted from the store before the response, raises SessionInterrupted", async () => {
    const store = new InMemorySessionStore();
    const app = SessionMiddlewareStack(
      httpApp(async (session) => {
        session.set("a", 1);
        await session.save();
        await store.delete(session.sessionKey!);
        return 200;
      }),
      { secret: SECRET, store },
    );
    await expect(get(app)).rejects.toThrow(SessionInterrupted);
  });

  it("throws SessionInterrupted when the session was deleted before the response (SE-07)", async () => {
    const store = new InMemorySessionStore();
    const app = SessionMiddlewareStack(
      httpApp(async (session) => {
        session.set("a", 1);
        await session.save();
        await store.delete(session.sessionKey!);
        session.set("a", 2);
        return 200;
      }),
      { secret: SECRET, store },
    );
    await expect(get(app)).rejects.toThrow(SessionInterrupted);
  });

  it("sends no cookie for an untouched session, and neither saves nor sends one on a 500 (SE-08)", async () => {
    const store = new InMemorySessionStore();
    expect(
      (
        await get(
          SessionMiddlewareStack(
            httpApp(() => 200),
            { secret: SECRET, store },
          ),
        )
      ).cookies,
    ).toEqual([]);
    const failing = SessionMiddlewareStack(
      httpApp((session) => {
        session.set("a", 1);
        return 500;
      }),
      { secret: SECRET, store },
    );
    const response = await get(failing);
    expect(response.status).toBe(500);
    expect(response.cookies).toEqual([]);
    expect(store.size).toBe(0);
  });

  it("brings the session back on the next request from its cookie", async () => {
    const app = SessionMiddlewareStack(
      httpApp((session) => {
        session.set("visits", ((session.get("visits") as number | undefined) ?? 0) + 1);
        return 200;
      }),
      options(),
    );
    const first = await get(app);
    const second = await get(app, [["cookie", cookiePair(first.cookies[0]!)]]);
    expect(second.text).toBe(first.text);
    const third = await get(app, [["cookie", cookiePair(second.cookies[0]!)]]);
    expect(third.text).toBe(first.text);
  });

  it("treats a tampered or foreign-secret cookie as no session, without an error", async () => {
    const store = new InMemorySessionStore();
    const seen: unknown[] = [];
    const app = SessionMiddlewareStack(
      httpApp((session) => {
        seen.push(session.toJSON());
        session.set("user", "alice");
        return 200;
      }),
      { secret: SECRET, store },
    );
    const first = await get(app);
    const pair = cookiePair(first.cookies[0]!);
    const tampered = `${pair.slice(0, -2)}${pair.endsWith("xx") ? "yy" : "xx"}`;
    const foreign = `sessionid=${new SessionCookieSigner("another-secret-of-32-characters!!").sign(first.text)}`;
    for (const cookie of [tampered, foreign, "sessionid=garbage", `sessionid=${first.text}`]) {
      const response = await get(app, [["cookie", cookie]]);
      expect(response.status).toBe(200);
      // A new session with a new key: the stored one was not reachable.
      expect(response.text).not.toBe(first.text);
    }
    expect(seen).toEqual([{}, {}, {}, {}, {}]);
    expect(await store.load(first.text)).toEqual({ user: "alice" });
  });

  it("accepts cookies signed with a rotated-out secret and re-signs them with the new one", async () => {
    const store = new InMemorySessionStore();
    const oldApp = SessionMiddlewareStack(
      httpApp((session) => void session.set("a", 1)),
      { secret: "old-secret-old-secret-old-secret-!", store },
    );
    const oldCookie = cookiePair((await get(oldApp)).cookies[0]!);
    const rotating = SessionMiddlewareStack(
      httpApp(() => 200),
      {
        secret: [SECRET, "old-secret-old-secret-old-secret-!"],
        store,
      },
    );
    const response = await get(rotating, [["cookie", oldCookie]]);
    expect(response.text).toBe(oldCookie.split("=")[1]!.split(".")[0]);
    expect(response.cookies).toHaveLength(1);
    const renewed = cookiePair(response.cookies[0]!);
    expect(renewed).not.toBe(oldCookie);
    const newOnly = SessionMiddlewareStack(
      httpApp(() => 200),
      { secret: SECRET, store },
    );
    expect((await get(newOnly, [["cookie", renewed]])).text).toBe(response.text);
    expect((await get(newOnly, [["cookie", oldCookie]])).text).toBe("");
  });

  it("starts afresh when the stored session expired", async () => {
    let now = 0;
    const store = new InMemorySessionStore({ now: () => now });
    const app = SessionMiddlewareStack(
      httpApp((session) => void session.set("a", 1)),
      { secret: SECRET, store, cookie: { maxAgeMs: 60_000 } },
    );
    const first = await get(app);
    now = 60_000;
    const second = await get(app, [["cookie", cookiePair(first.cookies[0]!)]]);
    expect(second.text).not.toBe(first.text);
  });

  it("deletes the cookie and the stored session when the session is flushed", async () => {
    const store = new InMemorySessionStore();
    const login = SessionMiddlewareStack(
      httpApp((session) => void session.set("a", 1)),
      { secret: SECRET, store },
    );
    const first = await get(login);
    const logout = SessionMiddlewareStack(
      httpApp(async (session) => {
        await session.flush();
        return 200;
      }),
      { secret: SECRET, store, cookie: { domain: "example.com" } },
    );
    const response = await get(logout, [["cookie", cookiePair(first.cookies[0]!)]]);
    expect(response.cookies).toEqual([
      "sessionid=; Max-Age=0; Domain=example.com; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax",
    ]);
    expect(await store.load(first.text)).toBeNull();
  });

  it("applies every cookie option", async () => {
    const app = SessionMiddlewareStack(
      httpApp((session) => void session.set("a", 1)),
      options({
        cookie: {
          name: "sid",
          domain: ".example.com",
          path: "/app",
          secure: true,
          httpOnly: false,
          maxAgeMs: 3_600_000,
        },
      }),
    );
    const [cookie] = (await get(app)).cookies as [string];
    expect(cookie).toMatch(/^sid=/);
    for (const part of ["Max-Age=3600", "Domain=.example.com", "Path=/app", "Secure", "SameSite=Lax"]) {
      expect(cookie).toContain(part);
    }
    expect(cookie).not.toContain("HttpOnly");
  });

  it("sends a browser-session cookie with expireAtBrowserClose", async () => {
    const app = SessionMiddlewareStack(
      httpApp((session) => void session.set("a", 1)),
      options({ cookie: { expireAtBrowserClose: true } }),
    );
    const [cookie] = (await get(app)).cookies as [string];
    expect(cookie).not.toMatch(/Max-Age|Expires/);
  });

  it("refreshes the cookie on every response with saveEveryRequest", async () => {
    const app = SessionMiddlewareStack(
      httpApp((session) => {
        if (session.isEmpty) session.set("a", 1);
        return 200;
      }),
      options({ saveEveryRequest: true }),
    );
    const first = await get(app);
    const second = await get(app, [["cookie", cookiePair(first.cookies[0]!)]]);
    expect(second.cookies).toHaveLength(1);
    expect(second.text).toBe(first.text);
  });

  it("fails at the first connection without CookieMiddleware, naming the stack to use (SE-10)", async () => {
    const app = SessionMiddleware(
      httpApp(() => 200),
      options(),
    );
    await expect(get(app)).rejects.toThrow(/SessionMiddlewareStack/);
    await expect(get(app)).rejects.toThrow(ImproperlyConfigured);
  });

  it("does not mutate the caller's scope", async () => {
    const seen: Scope[] = [];
    const app = SessionMiddlewareStack(async (scope, _receive, send) => {
      seen.push(scope);
      await send({ type: "http.response.start", status: 204 });
      await send({ type: "http.response.body" });
    }, options());
    const communicator = new HttpCommunicator(app, "GET", "/");
    await communicator.getResponse();
    expect(Object.keys(communicator.scope).sort()).toEqual([
      "headers",
      "http_version",
      "method",
      "path",
      "query_string",
      "type",
    ]);
    expect(seen[0]?.cookies).toEqual({});
    expect(seen[0]?.session).toBeDefined();
  });

  it("leaves saving to an outer session middleware", async () => {
    const sessions: unknown[] = [];
    const inner = SessionMiddleware(
      httpApp((session) => {
        sessions.push(session);
        session.set("a", 1);
        return 200;
      }),
      options(),
    );
    const app = CookieMiddleware(
      SessionMiddleware(async (scope, receive, send) => {
        sessions.push(scope.session);
        return inner(scope, receive, send);
      }, options()),
    );
    const { cookies } = await get(app);
    expect(sessions[0]).toBe(sessions[1]);
    expect(cookies).toHaveLength(1);
  });

  it("requires a secret", () => {
    expect(() =>
      SessionMiddlewareStack(
        httpApp(() => 200),
        {} as SessionMiddlewareOptions,
      ),
    ).toThrow(/need a secret/);
    expect(() =>
      SessionMiddlewareStack(
        httpApp(() => 200),
        undefined as unknown as SessionMiddlewareOptions,
      ),
    ).toThrow(ImproperlyConfigured);
  });
});

describe("SessionMiddleware over WebSockets", () => {
  function wsApp(onConnect: (session: Session) => Promise<void>): Application {
    return async (scope, receive, send) => {
      const event = await receive();
      if (event.type !== "websocket.connect") return;
      await onConnect(scope.session as Session);
      await send({ type: "websocket.accept" });
      await send({ type: "websocket.send", text: (scope.session as Session).cookieValue ?? "" });
    };
  }

  it("never saves by itself; an explicit save() does, and the cookie value reconnects", async () => {
    const store = new InMemorySessionStore();
    const unsaved = SessionMiddlewareStack(
      wsApp(async (session) => void session.set("a", 1)),
      { secret: SECRET, store },
    );
    const first = new WebsocketCommunicator(unsaved, "/ws/");
    expect((await first.connect()).connected).toBe(true);
    expect(await first.receiveFrom()).toBe("");
    await first.disconnect();
    expect(store.size).toBe(0);

    const saving = SessionMiddlewareStack(
      wsApp(async (session) => {
        session.set("count", ((session.get("count") as number | undefined) ?? 0) + 1);
        await session.save();
      }),
      { secret: SECRET, store },
    );
    const second = new WebsocketCommunicator(saving, "/ws/");
    await second.connect();
    const cookie = (await second.receiveFrom()) as string;
    await second.disconnect();
    const third = new WebsocketCommunicator(saving, "/ws/", { headers: [["cookie", `sessionid=${cookie}`]] });
    await third.connect();
    expect(await third.receiveFrom()).toBe(cookie);
    await third.disconnect();
    const key = new SessionCookieSigner(SECRET).verify(cookie)!.sessionKey;
    expect(await store.load(key)).toEqual({ count: 2 });
  });

  it("shares the default in-memory store between stacks that have none", async () => {
    const httpStack = SessionMiddlewareStack(
      httpApp((session) => void session.set("from", "http")),
      { secret: SECRET },
    );
    const { cookies } = await get(httpStack);
    const seen: unknown[] = [];
    const wsStack = SessionMiddlewareStack(
      wsApp(async (session) => void seen.push(session.get("from"))),
      { secret: SECRET },
    );
    const communicator = new WebsocketCommunicator(wsStack, "/ws/", {
      headers: [["cookie", cookiePair(cookies[0]!)]],
    });
    await communicator.connect();
    await communicator.disconnect();
    expect(seen).toEqual(["http"]);
  });

  it("lets lifespan scopes through", async () => {
    const seen: Scope[] = [];
    const app = SessionMiddlewareStack(async (scope) => void seen.push(scope), options());
    const scope: Scope = { type: "lifespan" };
    await app(
      scope,
      async () => ({ type: "lifespan.startup" }),
      async () => {},
    );
    expect(seen[0]).toBe(scope);
  });
});
