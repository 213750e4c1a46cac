// ProtocolTypeRouter and ChannelNameRouter, ported from Django Channels' routing tests (RT-01, RT-02, RT-20).
import { describe, expect, it } from "vitest";
import { ImproperlyConfigured, RouteNotFound } from "../exceptions";
import type { Application, Receive, Scope, Send } from "../protocol/types";
import { ChannelNameRouter } from "./channel-name-router";
import { ProtocolTypeRouter } from "./protocol-type-router";

const receive: Receive = () => new Promise(() => {});
const send: Send = async () => {};

/** An app whose promise resolves with `value`, as Django's test apps return one. */
const returning = (value: unknown) => (async () => value) as unknown as Application;

const wsScope: Scope = { type: "websocket", path: "/", query_string: "", headers: [], subprotocols: [] };
const httpScope: Scope = {
  type: "http",
  http_version: "1.1",
  method: "GET",
  path: "/",
  query_string: "",
  headers: [],
};

async function failure(promise: Promise<unknown>) {
  return (await promise.then(
    () => new Error("resolved"),
    (e: unknown) => e,
  )) as Error;
}

describe("ProtocolTypeRouter", () => {
  it("RT-01 ★ routes by scope.type and passes the app's result through", async () => {
    const router = ProtocolTypeRouter({ websocket: returning("ws"), http: returning("http") });
    expect(await router(wsScope, receive, send)).toBe("ws");
    expect(await router(httpScope, receive, send)).toBe("http");
  });

  it("RT-01 ★ an unmapped type is RouteNotFound that says how to add it", async () => {
    const router = ProtocolTypeRouter({ websocket: returning("ws") });
    const error = await failure(router({ type: "aprs" } as unknown as Scope, receive, send));
    expect(error).toBeInstanceOf(RouteNotFound);
    expect(error.message).toBe(
      'No application configured for scope type "aprs": add it to ProtocolTypeRouter({ aprs: ... }).',
    );
  });

  it("RT-01 a scope without type is RouteNotFound listing the scope types", async () => {
    const router = ProtocolTypeRouter({ websocket: returning("ws") });
    const error = await failure(router({} as Scope, receive, send));
    expect(error).toBeInstanceOf(RouteNotFound);
    expect(error.message).toBe(
      'ProtocolTypeRouter got a scope without a "type"; scopes must say "http", "websocket", "lifespan" or "channel".',
    );
  });

  it("RT-20 a lifespan scope without a lifespan app is RouteNotFound", async () => {
    const router = ProtocolTypeRouter({ websocket: returning("ws") });
    const error = await failure(router({ type: "lifespan" }, receive, send));
    expect(error).toBeInstanceOf(RouteNotFound);
    expect(error.message).toMatch(/^No application configured for scope type "lifespan"/);
  });

  it("does not route inherited names such as toString", async () => {
    const router = ProtocolTypeRouter({ websocket: returning("ws") });
    expect(await failure(router({ type: "toString" } as unknown as Scope, receive, send))).toBeInstanceOf(
      RouteNotFound,
    );
  });

  it("passes scope, receive and send to the app unchanged", async () => {
    let got: unknown[] = [];
    const router = ProtocolTypeRouter({
      websocket: async (...args) => {
        got = args;
      },
    });
    await router(wsScope, receive, send);
    expect(got[0]).toBe(wsScope);
    expect(got[1]).toBe(receive);
    expect(got[2]).toBe(send);
  });

  it("refuses a mapping entry that is not an application, at construction", () => {
    expect(() => ProtocolTypeRouter({ http: "nope" as unknown as Application })).toThrow(
      ImproperlyConfigured,
    );
    expect(() => ProtocolTypeRouter({ http: "nope" as unknown as Application })).toThrow(
      'ProtocolTypeRouter: "http" must be an application (an async function, or Consumer.asAsgi()); got string.',
    );
    expect(() => ProtocolTypeRouter(null as unknown as Record<string, Application>)).toThrow(
      "ProtocolTypeRouter takes an object mapping names to applications.",
    );
  });
});

describe("ChannelNameRouter", () => {
  it("RT-02 routes by scope.channel", async () => {
    const router = ChannelNameRouter({ test: returning(1), other_test: returning(2) });
    expect(await router({ type: "channel", channel: "test" }, receive, send)).toBe(1);
    expect(await router({ type: "channel", channel: "other_test" }, receive, send)).toBe(2);
  });

  it("RT-02 an unknown channel is RouteNotFound that says how to add it", async () => {
    const router = ChannelNameRouter({ test: returning(1) });
    const error = await failure(router({ type: "channel", channel: "chat" }, receive, send));
    expect(error).toBeInstanceOf(RouteNotFound);
    expect(error.message).toBe(
      'No application configured for channel name "chat": add it to ChannelNameRouter({ "chat": ... }).',
    );
    expect(
      await failure(router({ type: "channel", channel: "hasOwnProperty" }, receive, send)),
    ).toBeInstanceOf(RouteNotFound);
  });

  it("RT-02 a scope without channel is ImproperlyConfigured that says where the router belongs", async () => {
    const router = ChannelNameRouter({ test: returning(1) });
    const error = await failure(router(httpScope, receive, send));
    expect(error).toBeInstanceOf(ImproperlyConfigured);
    expect(error.message).toBe(
      'ChannelNameRouter got a "http" scope without a "channel" key. Use it only for "channel" scopes, e.g. inside ProtocolTypeRouter({ channel: ChannelNameRouter({...}) }).',
    );
  });

  it("refuses a mapping entry that is not an application", () => {
    expect(() => ChannelNameRouter({ jobs: 42 as unknown as Application })).toThrow(
      'ChannelNameRouter: "jobs" must be an application (an async function, or Consumer.asAsgi()); got number.',
    );
  });
});
