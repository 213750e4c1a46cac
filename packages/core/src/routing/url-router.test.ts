// URLRouter, path() and rePath(), ported from Django Channels' routing tests.
import { describe, expect, it } from "vitest";
import { ImproperlyConfigured, RouteNotFound } from "../exceptions";
import type { Application, Receive, Scope, Send } from "../protocol/types";
import { DEFAULT_MAX_PATH_LENGTH, markPathRouting, path, type Route, rePath, URLRouter } from "./url-router";

const receive: Receive = () => new Promise(() => {});
const send: Send = async () => {};

/** An application that records which route it is and the scope it got. */
function endpoint(name: string | number, hits: Array<{ name: string | number; scope: Scope }>): Application {
  return async (scope) => {
    hits.push({ name, scope });
  };
}

const scopeFor = (p: string, extra: Record<string, unknown> = {}): Scope =>
  ({
    type: "http",
    http_version: "1.1",
    method: "GET",
    path: p,
    query_string: "",
    headers: [],
    ...extra,
  }) as Scope;

/** Routes `p` through `router`; resolves with the hit, rejects with the router's error. */
async function resolve(
  router: Application,
  hits: Array<{ name: string | number; scope: Scope }>,
  p: string,
  extra: Record<string, unknown> = {},
) {
  hits.length = 0;
  await router(scopeFor(p, extra), receive, send);
  expect(hits).toHaveLength(1);
  return hits[0]!;
}

async function routeError(router: Application, p: string, extra: Record<string, unknown> = {}) {
  return (await router(scopeFor(p, extra), receive, send).then(
    () => new Error("routed"),
    (e: unknown) => e,
  )) as Error;
}

describe("URLRouter", () => {
  it("RT-03 ★ first matching route wins; path() endpoints match whole paths, rePath() is unanchored", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([
      path("", endpoint(1, hits)),
      path("foo/", endpoint(2, hits)),
      rePath(/bar/, endpoint(3, hits)),
    ]);
    expect((await resolve(router, hits, "/")).name).toBe(1);
    expect((await resolve(router, hits, "/foo/")).name).toBe(2);
    expect((await resolve(router, hits, "/bar/")).name).toBe(3);
    expect((await resolve(router, hits, "/bar/baz/")).name).toBe(3);
  });

  it("RT-04 ★ positional groups of rePath become args", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([rePath(/^posarg\/(\d+)\/$/, endpoint("pos", hits))]);
    expect((await resolve(router, hits, "/posarg/123/")).scope.url_route).toEqual({
      args: ["123"],
      kwargs: {},
    });
  });

  it("RT-05 ★ <str:name> becomes a kwarg", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([path("kwarg/<str:name>/", endpoint("kw", hits))]);
    expect((await resolve(router, hits, "/kwarg/hello/")).scope.url_route).toEqual({
      args: [],
      kwargs: { name: "hello" },
    });
  });

  it("RT-06 path(..., { kwargs }) adds default kwargs, overriding captures of the same name", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([
      path("defaultkwargs/", endpoint("d", hits), { kwargs: { default: 42 } }),
      path("over/<name>/", endpoint("o", hits), { kwargs: { name: "fixed" } }),
    ]);
    expect((await resolve(router, hits, "/defaultkwargs/")).scope.url_route).toEqual({
      args: [],
      kwargs: { default: 42 },
    });
    expect((await resolve(router, hits, "/over/captured/")).scope.url_route?.kwargs).toEqual({
      name: "fixed",
    });
  });

  it("RT-07 ★ no match at the top is RouteNotFound naming the path and what to do", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([path("", endpoint(1, hits)), path("foo/", endpoint(2, hits))]);
    const error = await routeError(router, "/nonexistent/");
    expect(error).toBeInstanceOf(RouteNotFound);
    expect(error.name).toBe("RouteNotFound");
    expect(error.message).toBe(
      'No route found for path "nonexistent/". Add a path() or rePath() for it to your URLRouter.',
    );
    expect(hits).toEqual([]);
  });

  it("RT-08 the outermost router strips root_path; a path outside it is RouteNotFound", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([path("", endpoint(1, hits)), path("foo/", endpoint(2, hits))]);
    expect((await resolve(router, hits, "/root/", { root_path: "/root" })).name).toBe(1);
    expect((await resolve(router, hits, "/root/foo/", { root_path: "/root" })).name).toBe(2);
    const error = await routeError(router, "/", { root_path: "/root" });
    expect(error).toBeInstanceOf(RouteNotFound);
    expect(error.message).toBe('No route found for path "/": it is outside root_path "/root".');
  });

  it("RT-09 ★ nested rePath routers merge named groups into kwargs", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const inner = URLRouter([
      rePath(/^book\/(?<book>[\w-]+)\/page\/(?<page>\d+)\/$/, endpoint("book", hits)),
    ]);
    const outer = URLRouter([rePath(/^universe\/(?<universe>\d+)\/author\/(?<author>\w+)\//, inner)]);
    const hit = await resolve(outer, hits, "/universe/42/author/andrewgodwin/book/channels-guide/page/10/");
    expect(hit.scope.url_route).toEqual({
      args: [],
      kwargs: { book: "channels-guide", author: "andrewgodwin", page: "10", universe: "42" },
    });
  });

  it("RT-10 nested positional groups concatenate into args", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const inner = URLRouter([rePath(/^test\/(\d+)\/$/, endpoint("t", hits))]);
    const outer = URLRouter([rePath(/^positional\/(\w+)\//, inner)]);
    expect((await resolve(outer, hits, "/positional/foo/test/3/")).scope.url_route).toEqual({
      args: ["foo", "3"],
      kwargs: {},
    });
  });

  it("RT-11 ★ path() to middleware marked with markPathRouting prefix-matches; int converters give numbers", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const inner = URLRouter([path("test/<int:page>/", endpoint("page", hits))]);
    const middleware = markPathRouting(async (scope: Scope, r: Receive, s: Send) =>
      inner({ ...scope, middleware: true }, r, s),
    );
    const outer = URLRouter([path("number/<int:number>/", middleware)]);
    const hit = await resolve(outer, hits, "/number/42/test/3/");
    expect(hit.scope.url_route).toEqual({ args: [], kwargs: { number: 42, page: 3 } });
    expect(hit.scope.middleware).toBe(true);
    expect((await routeError(outer, "/number/42/test/3/bla/")).constructor).toBe(RouteNotFound);
    expect((await routeError(outer, "/number/42/blub/")).constructor).toBe(RouteNotFound);
    expect((await resolve(inner, hits, "/test/3/")).scope.url_route).toEqual({
      args: [],
      kwargs: { page: 3 },
    });
  });

  it("RT-11 unmarked middleware around a nested router stays an endpoint (Django issue #1428)", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const inner = URLRouter([path("test/<int:page>/", endpoint("page", hits))]);
    const unmarked: Application = (scope, r, s) => inner(scope, r, s);
    const outer = URLRouter([path("number/<int:number>/", unmarked)]);
    expect(await routeError(outer, "/number/42/test/3/")).toBeInstanceOf(RouteNotFound);
  });

  it("RT-12 path() with <name> (str by default) and <int:year>", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([
      path("author/<name>/", endpoint("a", hits)),
      path("year/<int:year>/", endpoint("y", hits)),
    ]);
    expect((await resolve(router, hits, "/author/andrewgodwin/")).scope.url_route?.kwargs).toEqual({
      name: "andrewgodwin",
    });
    const year = (await resolve(router, hits, "/year/2012/")).scope.url_route?.kwargs.year;
    expect(year).toBe(2012);
    expect(typeof year).toBe("number");
    expect(await routeError(router, "/year/twenty/")).toBeInstanceOf(RouteNotFound);
  });

  it("RT-13 ★ a nested router's miss makes the outer router try its next route", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const inner = URLRouter([path("no-match/", endpoint(1, hits))]);
    const outer = URLRouter([path("prefix/", inner), path("prefix/stuff/", endpoint(2, hits))]);
    const outermost = URLRouter([path("", outer)]);
    const hit = await resolve(outermost, hits, "/prefix/stuff/");
    expect(hit.name).toBe(2);
    expect(hit.scope.path_remaining).toBe("");
  });

  it("RT-14 root_path with nested routers", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const inner = URLRouter([path("no-match/", endpoint(1, hits))]);
    const outer = URLRouter([path("prefix/", inner), path("prefix/stuff/", endpoint(2, hits))]);
    const outermost = URLRouter([path("", outer)]);
    expect((await resolve(outermost, hits, "/root/prefix/stuff/", { root_path: "/root" })).name).toBe(2);
    expect(await routeError(outermost, "/root/root/prefix/stuff/", { root_path: "/root" })).toBeInstanceOf(
      RouteNotFound,
    );
    expect(await routeError(outermost, "/root/prefix/root/stuff/", { root_path: "/root" })).toBeInstanceOf(
      RouteNotFound,
    );
  });

  it("RT-15 (adapted) include()-style nesting is refused with ImproperlyConfigured", () => {
    const inner = [path("x/", async () => {})];
    let error: unknown;
    try {
      URLRouter([inner as unknown as Route]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImproperlyConfigured);
    expect((error as Error).message).toBe(
      "URLRouter: route 0 is not made by path() or rePath() (to nest routes, use path(prefix, URLRouter([...])) — include() is not supported).",
    );
    expect(() => URLRouter([{ pattern: "x/" } as unknown as Route])).toThrow(
      /^URLRouter: route 0 is not made by path\(\) or rePath\(\)\.$/,
    );
    expect(() => URLRouter("x" as unknown as Route[])).toThrow(ImproperlyConfigured);
  });

  it("RT-16 ★ path('foo/') matches /foo/, foo/ and //foo/, not /foo nor /foo/x", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([path("foo/", endpoint("foo", hits))]);
    for (const ok of ["/foo/", "foo/", "//foo/"]) expect((await resolve(router, hits, ok)).name).toBe("foo");
    for (const bad of ["/foo", "/foo/x"]) expect(await routeError(router, bad)).toBeInstanceOf(RouteNotFound);
  });

  it("RT-17 unmatched optional named groups are dropped; rePath leaves the rest in path_remaining", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([
      rePath(/^bar\/(?<x>\d+)\/(?<y>\d+)?/, endpoint("bar", hits)),
      rePath(/baz/, endpoint("baz", hits)),
    ]);
    expect((await resolve(router, hits, "/bar/1/")).scope.url_route).toEqual({
      args: [],
      kwargs: { x: "1" },
    });
    const baz = await resolve(router, hits, "/xbazy");
    expect(baz.name).toBe("baz");
    expect(baz.scope.path_remaining).toBe("y");
  });

  it("RT-17 named groups win over positional ones", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([rePath(/^(\w+)\/(?<id>\d+)\/$/, endpoint("mixed", hits))]);
    expect((await resolve(router, hits, "/thing/7/")).scope.url_route).toEqual({
      args: [],
      kwargs: { id: "7" },
    });
  });

  it("RT-17 uuid, slug and path converters give strings", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([
      path("u/<uuid:id>/", endpoint("u", hits)),
      path("s/<slug:slug>/", endpoint("s", hits)),
      path("p/<path:rest>", endpoint("p", hits)),
    ]);
    const uuid = "12345678-1234-5678-1234-567812345678";
    expect((await resolve(router, hits, `/u/${uuid}/`)).scope.url_route?.kwargs).toEqual({ id: uuid });
    expect(await routeError(router, "/u/not-a-uuid/")).toBeInstanceOf(RouteNotFound);
    expect((await resolve(router, hits, "/s/my-post_1/")).scope.url_route?.kwargs).toEqual({
      slug: "my-post_1",
    });
    expect(await routeError(router, "/s/no.dots/")).toBeInstanceOf(RouteNotFound);
    expect((await resolve(router, hits, "/p/a/b/c")).scope.url_route?.kwargs).toEqual({ rest: "a/b/c" });
  });

  it("RT-18 a scope without a path is ImproperlyConfigured; a nested miss is a RouteNotFound", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([path("x/", endpoint("x", hits))]);
    const error = await router({ type: "channel", channel: "c" }, receive, send).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImproperlyConfigured);
    expect((error as Error).message).toBe(
      'URLRouter got a "channel" scope without a path; route only http and websocket scopes with it (inside ProtocolTypeRouter).',
    );
    const nested = await routeError(router, "/ignored/", { path_remaining: "y/" });
    expect(nested).toBeInstanceOf(RouteNotFound);
    expect(nested.message).toBe('No route found for path "y/".');
  });

  it("does not mutate the scope it was given; inner captures win on a name clash", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const inner = URLRouter([path("<id>/", endpoint("inner", hits))]);
    const outer = URLRouter([path("<id>/", inner)]);
    const scope = scopeFor("/outer/inner/");
    await outer(scope, receive, send);
    expect(hits[0]!.scope.url_route).toEqual({ args: [], kwargs: { id: "inner" } });
    expect(scope).not.toHaveProperty("url_route");
    expect(scope).not.toHaveProperty("path_remaining");
  });

  it("path-to-regexp syntax: :param, *wildcard and {optional} parts", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([
      path("ws/chat/:room/", endpoint("room", hits)),
      path("files/*rest", endpoint("files", hits)),
      path("users{/:id}", endpoint("users", hits)),
    ]);
    expect((await resolve(router, hits, "/ws/chat/lobby/")).scope.url_route?.kwargs).toEqual({
      room: "lobby",
    });
    expect(await routeError(router, "/ws/chat/a/b/")).toBeInstanceOf(RouteNotFound);
    expect((await resolve(router, hits, "/files/a/b.txt")).scope.url_route?.kwargs).toEqual({
      rest: "a/b.txt",
    });
    expect((await resolve(router, hits, "/users")).scope.url_route?.kwargs).toEqual({});
    expect((await resolve(router, hits, "/users/7")).scope.url_route?.kwargs).toEqual({ id: "7" });
  });

  it("mixes Django converters with path-to-regexp params in one pattern", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([path("shop/:category/<int:item>/", endpoint("shop", hits))]);
    expect((await resolve(router, hits, "/shop/books/17/")).scope.url_route?.kwargs).toEqual({
      category: "books",
      item: 17,
    });
  });

  it("a leading slash in a path() pattern is ignored", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([path("/foo/", endpoint("foo", hits))]);
    expect((await resolve(router, hits, "/foo/")).name).toBe("foo");
  });

  it("dots and other regex characters in a path() pattern are literal", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([path("index.html", endpoint("index", hits))]);
    expect((await resolve(router, hits, "/index.html")).name).toBe("index");
    expect(await routeError(router, "/indexxhtml")).toBeInstanceOf(RouteNotFound);
  });

  it("rePath drops the g and y flags so a route matches every time", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([rePath(/^bar\/$/gy, endpoint("bar", hits))]);
    for (let i = 0; i < 3; i++) expect((await resolve(router, hits, "/bar/")).name).toBe("bar");
  });

  it("rePath takes a string pattern", async () => {
    const hits: Array<{ name: string | number; scope: Scope }> = [];
    const router = URLRouter([rePath("^room/(?<room>\\w+)/$", endpoint("room", hits))]);
    expect((await resolve(router, hits, "/room/lobby/")).scope.url_route?.kwargs).toEqual({ room: "lobby" });
  });

  it("propagates errors from the routed application unchanged", async () => {
    const router = URLRouter([
      path("boom/", async () => {
        throw new RangeError("inner failure");
      }),
    ]);
    await expect(router(scopeFor("/boom/"), receive, send)).rejects.toThrow(RangeError);
  });

  describe("bad routes", () => {
    it("an unknown converter is ImproperlyConfigured listing the known ones", () => {
      expect(() => path("x/<float:n>/", async () => {})).toThrow(ImproperlyConfigured);
      expect(() => path("x/<float:n>/", async () => {})).toThrow(
        'path("x/<float:n>/"): unknown converter "float"; use one of str, int, slug, uuid, path.',
      );
    });

    it("invalid path-to-regexp syntax is ImproperlyConfigured naming the pattern", () => {
      const error = (() => {
        try {
          path("x/{unclosed", async () => {});
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ImproperlyConfigured);
      expect((error as Error).message).toMatch(/^path\("x\/\{unclosed"\): /);
    });

    it("an invalid rePath regex string is ImproperlyConfigured", () => {
      expect(() => rePath("(unclosed", async () => {})).toThrow(ImproperlyConfigured);
      expect(() => rePath("(unclosed", async () => {})).toThrow(/^rePath\(\(unclosed\): /);
    });

    it("a non-function application is ImproperlyConfigured that says what to pass", () => {
      expect(() => path("x/", "app" as unknown as Application)).toThrow(
        "Route x/: the application must be an async function or Consumer.asAsgi(); got string.",
      );
      expect(() => rePath(/x/, null as unknown as Application)).toThrow(ImproperlyConfigured);
    });

    it("path() with a RegExp points at rePath()", () => {
      expect(() => path(/x/ as unknown as string, async () => {})).toThrow(
        "path() takes a string pattern; use rePath() for a RegExp.",
      );
    });
  });

  // CVE-2024-45296's shape: with `[^/]+` groups these take cubic time (a 3 KB path stalled the
  // event loop for 6 s; 50 KB would take hours). Compiled next to their literals they match in one
  // pass, so each test ends in milliseconds (before the fix, the run never ends).
  describe("adversarial paths cannot backtrack", () => {
    const hostile = (separator: string, count: number) => `x${separator.repeat(count)}/enX/`;
    const cases: Array<[string, string]> = [
      ["<str:a>-<str:b>-<str:c>/end/", "-"],
      [":a-:b-:c/end/", "-"],
      ["<slug:a>.<slug:b>.<slug:c>/end/", "."],
      ["<int:a>.<int:b>.<int:c>/end/", "."],
      ["*a-*b-*c/end/", "-"],
      ["<path:a>-<path:b>-<path:c>/end/", "-"],
      ["<str:a>--<str:b>--<str:c>/end/", "--"],
      ["<path:a>/<path:b>/<path:c>/end/", "/"],
      ["{:a-}{:b-}:c/end/", "-"],
    ];
    it.each(cases)("%s on a 50,000-separator path", (pattern, separator) => {
      const hostilePath = hostile(separator, 50_000);
      const route = path(pattern, endpoint("x", []));
      expect(route.matcher()(hostilePath.replace(/^x/, "1"))).toBeNull();
      expect(route.matcher()(hostilePath)).toBeNull();
    });

    it("greedy captures keep Django's split", () => {
      const route = path("<str:a>-<str:b>-<str:c>/end/", endpoint("x", []));
      expect(route.matcher()("x-y-z-w/end/")?.kwargs).toEqual({ a: "x-y", b: "z", c: "w" });
      expect(path(":a.:b", endpoint("x", [])).matcher()("archive.tar.gz")?.kwargs).toEqual({
        a: "archive.tar",
        b: "gz",
      });
      expect(path("<int:a>-<str:b>", endpoint("x", [])).matcher()("12-x-y")?.kwargs).toEqual({
        a: 12,
        b: "x-y",
      });
      expect(path("*a/<str:b>/*c", endpoint("x", [])).matcher()("p/q/r/s")?.kwargs).toEqual({
        a: "p/q",
        b: "r",
        c: "s",
      });
    });

    it("two parameters with no text between them are refused at startup, naming what to do", () => {
      expect(() => path("<str:a><str:b>/", endpoint("x", []))).toThrow(
        /"b" follows another parameter with no text between them; put a literal/,
      );
      expect(() => path("<uuid:a><str:b>/", endpoint("x", []))).not.toThrow();
    });

    it("a path over maxPathLength is RouteNotFound that names the limit and the option", async () => {
      const hits: Array<{ name: string | number; scope: Scope }> = [];
      const router = URLRouter([path("*rest", endpoint("all", hits))]);
      expect((await resolve(router, hits, `/${"a".repeat(DEFAULT_MAX_PATH_LENGTH - 1)}`)).name).toBe("all");
      const error = await routeError(router, `/${"a".repeat(DEFAULT_MAX_PATH_LENGTH)}`);
      expect(error).toBeInstanceOf(RouteNotFound);
      expect(error.message).toMatch(/4097 characters.*longest routable path is 4096.*maxPathLength/);
      const small = URLRouter([path("*rest", endpoint("all", hits))], { maxPathLength: 10 });
      expect(await routeError(small, "/abcdefghijk")).toBeInstanceOf(RouteNotFound);
    });
  });
});
