// Type-level tests: scopes and events are discriminated unions on `type`.
import { describe, expectTypeOf, it } from "vitest";
import type {
  Application,
  ChannelScope,
  HttpRequestEvent,
  HttpScope,
  LifespanScope,
  Receive,
  ReceiveEvent,
  Scope,
  ScopeType,
  Send,
  SendEvent,
  WebSocketCloseEvent,
  WebSocketDisconnectEvent,
  WebSocketReceiveEvent,
  WebSocketScope,
} from "./types";

describe("Scope", () => {
  it("narrows on type", () => {
    const check = (scope: Scope) => {
      switch (scope.type) {
        case "http":
          expectTypeOf(scope).toEqualTypeOf<HttpScope>();
          expectTypeOf(scope.method).toBeString();
          expectTypeOf(scope.query_string).toBeString();
          break;
        case "websocket":
          expectTypeOf(scope).toEqualTypeOf<WebSocketScope>();
          expectTypeOf(scope.subprotocols).toEqualTypeOf<string[]>();
          break;
        case "lifespan":
          expectTypeOf(scope).toEqualTypeOf<LifespanScope>();
          break;
        case "channel":
          expectTypeOf(scope).toEqualTypeOf<ChannelScope>();
          expectTypeOf(scope.channel).toBeString();
          break;
        default:
          expectTypeOf(scope).toBeNever();
      }
    };
    void check;
  });

  it("has exactly four types", () => {
    expectTypeOf<ScopeType>().toEqualTypeOf<"http" | "websocket" | "lifespan" | "channel">();
  });

  it("keeps ASGI field names and string headers", () => {
    expectTypeOf<HttpScope["headers"]>().toEqualTypeOf<Array<[name: string, value: string]>>();
    expectTypeOf<NonNullable<WebSocketScope["url_route"]>>().toEqualTypeOf<{
      args: string[];
      kwargs: Record<string, unknown>;
    }>();
    expectTypeOf<HttpScope["path_remaining"]>().toEqualTypeOf<string | undefined>();
  });

  it("refuses a scope with an unknown type or a missing required field", () => {
    // @ts-expect-error: not a scope type
    const bad: Scope = { type: "aprs" };
    // @ts-expect-error: a websocket scope needs subprotocols
    const missing: Scope = { type: "websocket", path: "/", query_string: "", headers: [] };
    void bad;
    void missing;
  });
});

describe("events", () => {
  it("ReceiveEvent narrows on type", () => {
    const check = (event: ReceiveEvent) => {
      if (event.type === "websocket.receive") {
        expectTypeOf(event).toEqualTypeOf<WebSocketReceiveEvent>();
        expectTypeOf(event.text).toEqualTypeOf<string | null | undefined>();
        expectTypeOf(event.bytes).toEqualTypeOf<Uint8Array | null | undefined>();
      } else if (event.type === "websocket.disconnect") {
        expectTypeOf(event).toEqualTypeOf<WebSocketDisconnectEvent>();
        expectTypeOf(event.code).toBeNumber();
      } else if (event.type === "http.request") {
        expectTypeOf(event).toEqualTypeOf<HttpRequestEvent>();
        expectTypeOf(event.more_body).toEqualTypeOf<boolean | undefined>();
      }
    };
    void check;
  });

  it("SendEvent narrows on type", () => {
    const check = (event: SendEvent) => {
      if (event.type === "websocket.close") {
        expectTypeOf(event).toEqualTypeOf<WebSocketCloseEvent>();
        expectTypeOf(event.code).toEqualTypeOf<number | undefined>();
      }
      if (event.type === "http.response.start") expectTypeOf(event.status).toBeNumber();
    };
    void check;
  });

  it("send() refuses events of the wrong shape", async () => {
    const send: Send = async () => {};
    await send({ type: "websocket.send", text: "hi" });
    await send({ type: "http.response.start", status: 200, headers: [["content-type", "text/plain"]] });
    // @ts-expect-error: a receive-side event cannot be sent
    await send({ type: "websocket.receive", text: "hi" });
    // @ts-expect-error: status is required
    await send({ type: "http.response.start" });
    // @ts-expect-error: bytes are a Uint8Array
    await send({ type: "websocket.send", bytes: "not bytes" });
  });

  it("an Application is an async function of scope, receive and send", () => {
    expectTypeOf<Application>().toEqualTypeOf<
      (scope: Scope, receive: Receive, send: Send) => Promise<void>
    >();
    expectTypeOf<ReturnType<Receive>>().toEqualTypeOf<Promise<ReceiveEvent>>();
  });
});
