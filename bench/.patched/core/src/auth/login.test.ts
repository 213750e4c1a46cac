import { describe, expect, it } from "vitest";
import { ImproperlyConfigured } from "../exceptions";
import { InMemorySessionStore } from "../sessions/in-memory-session-store";
import { Session } from "../sessions/session";
import { AnonymousUser, isAuthenticated } from "./anonymous-user";
import type { AuthOptions } from "./auth-options";
import { getUser, login, logout, SESSION_USER_HASH_KEY, SESSION_USER_ID_KEY } from "./login";

interface User {
  id: number;
  name: string;
  passwordHash: string;
}

const bob: User = { id: 1, name: "bob", passwordHash: "h1" };
const bill: User = { id: 2, name: "bill", passwordHash: "h2" };

function setup(extra: Partial<AuthOptions<User>> = {}) {
  const users = new Map([bob, bill].map((user) => [String(user.id), { ...user }]));
  const events: string[] = [];
  const options: AuthOptions<User> = {
    resolveUser: (id) => users.get(id) ?? null,
    getSessionHash: (user) => `hash:${user.passwordHash}`,
    onLogin: (user) => void events.push(`in:${user.name}`),
    onLogout: (user) => void events.push(`out:${user.name}`),
    ...extra,
  };
  const store = new InMemorySessionStore();
  const scope: Record<string, unknown> = { session: new Session({ store }) };
  return { users, events, options, store, scope, session: scope.session as Session };
}

describe("login()", () => {
  it("needs a session (AU-01)", async () => {
    await expect(login({}, null)).rejects.toThrow(ImproperlyConfigured);
    await expect(login({}, null)).rejects.toThrow(/cannot find scope\.session.*AuthMiddlewareStack/);
  });

  it("needs a user, as an argument or in the scope (AU-02)", async () => {
    const { scope, options } = setup();
    await expect(login(scope, null, options)).rejects.toThrow(/login\(\) needs a user/);
    scope.user = new AnonymousUser();
    await expect(login(scope, undefined, options)).rejects.toThrow(/needs a user/);
  });

  it("logs the user in: session keys, scope.user, the onLogin hook (AU-03)", async () => {
    const { scope, options, events, session } = setup();
    await login(scope, bob, options);
    expect(events).toEqual(["in:bob"]);
    expect(scope.user).toBe(bob);
    expect(session.get(SESSION_USER_ID_KEY)).toBe("1");
    expect(session.get(SESSION_USER_HASH_KEY)).toBe("hash:h1");
    expect(await getUser(scope, options)).toEqual(bob);
  });

  it("logs in the user already in the scope (AU-04)", async () => {
    const { scope, options } = setup();
    scope.user = bob;
    await login(scope, undefined, options);
    expect((await getUser<User>(scope, options)) as User).toMatchObject({ name: "bob" });
  });

  it("flushes the session when another user logs in (AU-05)", async () => {
    const { scope, options, session, store } = setup();
    await login(scope, bob, options);
    session.set("cart", ["book"]);
    await session.save();
    const bobKey = session.sessionKey!;
    await login(scope, bill, options);
    expect(session.get(SESSION_USER_ID_KEY)).toBe("2");
    expect(session.has("cart")).toBe(false);
    expect(await store.load(bobKey)).toBeNull();
    expect(await getUser(scope, options)).toMatchObject({ name: "bill" });
  });

  it("keeps the session when the same user logs in again", async () => {
    const { scope, options, session } = setup();
    await login(scope, bob, options);
    session.set("cart", ["book"]);
    await login(scope, bob, options);
    expect(session.get("cart")).toEqual(["book"]);
  });

  it("gives an anonymous session a new key, against session fixation", async () => {
    const { scope, options, session, store } = setup();
    session.set("theme", "dark");
    await session.save();
    const anonymousKey = session.sessionKey!;
    await login(scope, bob, options);
    expect(session.sessionKey).not.toBe(anonymousKey);
    expect(session.get("theme")).toBe("dark");
    expect(await store.load(anonymousKey)).toBeNull();
  });

  it("needs an id it can store (AU-09, adapted: there are no backends to choose)", async () => {
    const { scope } = setup();
    await expect(login(scope, { name: "no id" })).rejects.toThrow(/cannot tell the user's id.*getUserId/);
    await login(scope, { email: "a@b.c" }, { getUserId: (user) => user.email });
    expect(scope.user).toEqual({ email: "a@b.c" });
    expect((scope.session as Session).get(SESSION_USER_ID_KEY)).toBe("a@b.c");
  });
});

describe("logout()", () => {
  it("flushes the session and makes scope.user anonymous, calling onLogout (AU-06)", async () => {
    const { scope, options, events, session } = setup();
    await login(scope, bob, options);
    await logout(scope, options);
    expect(events).toEqual(["in:bob", "out:bob"]);
    expect(scope.user).toBeInstanceOf(AnonymousUser);
    expect(session.has(SESSION_USER_ID_KEY)).toBe(false);
    expect(await getUser(scope, options)).toBeInstanceOf(AnonymousUser);
  });

  it("does nothing visible when nobody was logged in (AU-07)", async () => {
    const { scope, options, events } = setup();
    await logout(scope, options);
    expect(events).toEqual([]);
    expect("user" in scope).toBe(false);
  });

  it("needs a session", async () => {
    await expect(logout({})).rejects.toThrow(/logout\(\) cannot find scope\.session/);
  });
});

describe("getUser()", () => {
  it("is anonymous for a fresh session, and when the user is gone", async () => {
    const { scope, options, users } = setup();
    const anonymous = await getUser(scope, options);
    expect(anonymous).toBeInstanceOf(AnonymousUser);
    expect(isAuthenticated(anonymous)).toBe(false);
    await login(scope, bob, options);
    users.delete("1");
    expect(await getUser(scope, options)).toBeInstanceOf(AnonymousUser);
  });

  it("drops the session when the user's credentials changed since login", async () => {
    const { scope, options, users, session } = setup();
    await login(scope, bob, options);
    users.get("1")!.passwordHash = "changed";
    expect(await getUser(scope, options)).toBeInstanceOf(AnonymousUser);
    expect(session.isEmpty).toBe(true);
  });

  it("needs a resolver when the session names a user", async () => {
    const { scope, options } = setup();
    await login(scope, bob, options);
    await expect(getUser(scope)).rejects.toThrow(/needs a user resolver/);
  });
});
