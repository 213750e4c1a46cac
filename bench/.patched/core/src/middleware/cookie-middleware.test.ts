import { HttpCommunicator, WebsocketCommunicator } from "@channels-ts/core/testing";
import { describe, expect, it } from "vitest";
import type { Application, Headers, HttpResponseStartEvent, Scope } from "../protocol/types";
import { CookieMiddleware, deleteCookie, setCookie } from "./cookie-middleware";

/** Records every scope it is called with and answers 200. */
function recorder(seen: Scope[]): Application {
  return async (scope, _receive, send) => {
    seen.push(scope);
    await send({ type: "http.response.start", status: 200 });
    await send({ type: "http.response.body" });
  };
}

async function cookiesFor(headers: Headers): Promise<unknown> {
  const seen: Scope[] = [];
  await new HttpCommunicator(CookieMiddleware(recorder(seen)), "GET", "/", "", headers).getResponse();
  return seen[0]?.cookies;
}

describe("CookieMiddleware.setCookie (SE-01, SE-11)", () => {
  it("renders a minimal cookie with Path=/ and SameSite=Lax", () => {
    const message: { headers?: Headers } = {};
    CookieMiddleware.setCookie(message, "Testing-Key", "testing-value");
    expect(message).toEqual({ headers: [["set-cookie", "Testing-Key=testing-value; Path=/; SameSite=Lax"]] });
  });

  it("renders every attribute, with Expires matching Max-Age", () => {
    const message: HttpResponseStartEvent = {
      type: "http.response.start",
      status: 200,
      headers: [["x-a", "1"]],
    };
    const before = Date.now();
    setCookie(message, "k", "v", {
      maxAgeMs: 10_000,
      secure: true,
      httpOnly: true,
      sameSite: "Strict",
      domain: "d.com",
    });
    expect(message.headers?.[0]).toEqual(["x-a", "1"]);
    const value = message.headers?.[1]?.[1] ?? "";
    expect(value).toMatch(
      /^k=v; Max-Age=10; Domain=d\.com; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Strict$/,
    );
    const expires = Date.parse(/Expires=([^;]+)/.exec(value)![1]!);
    // Expires has one-second resolution.
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 10_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 10_000);
  });

  it("deleteCookie sends an empty, already expired cookie", () => {
    const message: { headers?: Headers } = {};
    deleteCookie(message, "k");
    expect(message.headers).toEqual([
      ["set-cookie", "k=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"],
    ]);
  });

  it("percent-encodes values that are not cookie-safe", () => {
    const message: { headers?: Headers } = {};
    setCookie(message, "k", "a b;c", { sameSite: false });
    expect(message.headers).toEqual([["set-cookie", "k=a%20b%3Bc; Path=/"]]);
  });

  it("rejects a bad sameSite, SameSite=None without Secure, and bad names, saying what works", () => {
    expect(() => setCookie({}, "k", "v", { sameSite: "Hello" as "lax" })).toThrow(
      /"strict", "lax" or "none"/,
    );
    expect(() => setCookie({}, "k", "v", { sameSite: "none" })).toThrow(/needs secure: true/);
    expect(() => setCookie({}, "bad name", "v")).toThrow(TypeError);
    expect(() => setCookie({}, "k", "v", { maxAgeMs: -1 })).toThrow(/maxAgeMs/);
    const message: { headers?: Headers } = {};
    setCookie(message, "k", "v", { sameSite: "None", secure: true });
    expect(message.headers?.[0]?.[1]).toBe("k=v; Path=/; Secure; SameSite=None");
  });
});

describe("CookieMiddleware (SE-09)", () => {
  it("parses the cookie header into scope.cookies, unquoting values", async () => {
    // Django also reports the valueless `c` under the name ""; the cookie library drops it.
    expect(await cookiesFor([["cookie", 'a=1; b="x y"; c']])).toEqual({ a: "1", b: "x y" });
  });

  it("gives {} without a cookie header, and percent-decodes values", async () => {
    expect(await cookiesFor([])).toEqual({});
    expect(await cookiesFor([["cookie", "name=J%C3%BCrgen"]])).toEqual({ name: "Jürgen" });
  });

  it("reads every cookie header (HTTP/2 splits them); the first value of a name wins", async () => {
    expect(
      await cookiesFor([
        ["cookie", "a=1"],
        ["x-other", "z"],
        ["cookie", "b=2; a=3"],
      ]),
    ).toEqual({ a: "1", b: "2" });
  });

  it("works for WebSockets and leaves the caller's scope alone", async () => {
    const seen: Scope[] = [];
    const app = CookieMiddleware(async (scope, _receive, send) => {
      seen.push(scope);
      await send({ type: "websocket.accept" });
    });
    const communicator = new WebsocketCommunicator(app, "/", { headers: [["cookie", "sid=abc"]] });
    expect((await communicator.connect()).connected).toBe(true);
    expect(seen[0]?.cookies).toEqual({ sid: "abc" });
    expect("cookies" in communicator.scope).toBe(false);
  });

  it("throws for a connection scope without headers", async () => {
    const app = CookieMiddleware(async () => {});
    const scope = { type: "http", http_version: "1.1", method: "GET", path: "/", query_string: "" } as Scope;
    await expect(
      app(
        scope,
        async () => ({ type: "http.disconnect" }),
        async () => {},
      ),
    ).rejects.toThrow(/without a headers list/);
  });

  it("lets lifespan scopes through untouched", async () => {
    const seen: Scope[] = [];
    const app = CookieMiddleware(async (scope) => {
      seen.push(scope);
    });
    const scope: Scope = { type: "lifespan" };
    await app(
      scope,
      async () => ({ type: "lifespan.startup" }),
      async () => {},
    );
    expect(seen[0]).toBe(scope);
  });
});
