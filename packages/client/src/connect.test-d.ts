// Type-level tests: connect<P>() types what the page sends, receives, requests and answers.
import { describe, expectTypeOf, it } from "vitest";
import { WebSocket as NodeWebSocket } from "ws";
import { type ChannelSocket, type ConnectionState, connect, type WebSocketClass } from "./connect";
import type { ClientReply } from "./protocol";

type ChatProtocol = {
  clientSends: { message: string };
  serverSends: { type: "chat"; name: string; message: string } | { type: "error"; error: string };
  clientRequests:
    | { request: { rename: string }; reply: { name: string } }
    | { request: { history: number }; reply: string[] };
  serverRequests: { request: { confirm: string }; reply: boolean };
};

describe("connect<P>()", () => {
  it("takes ws's WebSocket class (Node 20) and the global one's shape", () => {
    expectTypeOf(NodeWebSocket).toExtend<WebSocketClass>();
    connect("ws://127.0.0.1/ws/", { WebSocket: NodeWebSocket });
  });

  it("send() takes only what the client may send", () => {
    const socket = connect<ChatProtocol>("/ws/chat/");
    socket.send({ message: "hi" });
    // @ts-expect-error: a misspelt field
    socket.send({ mesage: "hi" });
    // @ts-expect-error: a wrong type
    socket.send({ message: 42 });
  });

  it("messages are what the server may send", () => {
    const socket = connect<ChatProtocol>("/ws/chat/");
    socket.on("message", (message) => {
      expectTypeOf(message).toEqualTypeOf<ChatProtocol["serverSends"]>();
      if (message.type === "chat") expectTypeOf(message.name).toBeString();
    });
    socket.on("state", (state) => expectTypeOf(state).toEqualTypeOf<ConnectionState>());
    socket.on("dropped", (message, reason) => {
      expectTypeOf(message).toEqualTypeOf<{ message: string }>();
      expectTypeOf(reason).toEqualTypeOf<"full" | "closed">();
    });
    // @ts-expect-error: no such event
    socket.on("mesage", () => {});
  });

  it("request() resolves with the reply of the request's own kind", () => {
    const socket = connect<ChatProtocol>("/ws/chat/");
    expectTypeOf(socket.request({ rename: "Ada" })).toEqualTypeOf<Promise<{ name: string }>>();
    expectTypeOf(socket.request({ history: 10 })).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf<ClientReply<ChatProtocol>>().toEqualTypeOf<{ name: string } | string[]>();
    // @ts-expect-error: not a request of the protocol
    void socket.request({ delete: true });
  });

  it("onRequest answers the server's requests with their reply type", () => {
    connect<ChatProtocol>("/ws/chat/", {
      onRequest: (request) => {
        expectTypeOf(request).toEqualTypeOf<{ confirm: string }>();
        return true;
      },
    });
    connect<ChatProtocol>("/ws/chat/", {
      // @ts-expect-error: the reply must be a boolean
      onRequest: () => "yes",
    });
  });

  it("without a protocol, everything is unknown", () => {
    const socket = connect("/ws/");
    expectTypeOf(socket).toEqualTypeOf<ChannelSocket>();
    socket.send({ anything: true });
    socket.on("message", (message) => expectTypeOf(message).toBeUnknown());
    expectTypeOf(socket.request({ any: 1 })).toEqualTypeOf<Promise<unknown>>();
  });
});
