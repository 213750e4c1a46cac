// Type-level tests: AsyncEnvelopeConsumer<P> checks what it receives, sends, answers and asks.
import { describe, expectTypeOf, it } from "vitest";
import { AsyncEnvelopeConsumer } from "./envelope-consumer";
import type { AsyncJsonWebsocketConsumer } from "./json-websocket-consumer";

type ChatProtocol = {
  clientSends: { message: string };
  serverSends: { type: "chat"; message: string } | { type: "error"; error: string };
  clientRequests:
    | { request: { rename: string }; reply: { name: string } }
    | { request: { history: number }; reply: string[] };
  serverRequests: { request: { confirm: string }; reply: boolean };
};

class Chat extends AsyncEnvelopeConsumer<ChatProtocol> {
  override async receiveJson(content: { message: string }) {
    await this.sendJson({ type: "chat", message: content.message });
    // @ts-expect-error: not something the server sends
    await this.sendJson({ type: "chat", text: content.message });
    const ok = await this.requestClient({ confirm: "delete?" });
    expectTypeOf(ok).toEqualTypeOf<boolean>();
    // @ts-expect-error: not a request the client takes
    await this.requestClient({ delete: true });
  }

  override async receiveRequest(request: ChatProtocol["clientRequests"]["request"]) {
    if ("rename" in request) return { name: request.rename };
    return ["a", "b"];
  }
}

describe("AsyncEnvelopeConsumer<P>", () => {
  it("is a JSON consumer of the protocol's client and server messages", () => {
    expectTypeOf<Chat>().toExtend<
      AsyncJsonWebsocketConsumer<{ message: string }, ChatProtocol["serverSends"]>
    >();
    expectTypeOf<Chat["receiveJson"]>().parameter(0).toEqualTypeOf<{ message: string }>();
  });

  it("receiveRequest must return one of the protocol's replies", () => {
    class Wrong extends AsyncEnvelopeConsumer<ChatProtocol> {
      // @ts-expect-error: a number is no reply of this protocol
      override async receiveRequest() {
        return 42;
      }
    }
    void Wrong;
    expectTypeOf<Chat["receiveRequest"]>().returns.toEqualTypeOf<Promise<{ name: string } | string[]>>();
  });

  it("defaults to unknown", () => {
    expectTypeOf<AsyncEnvelopeConsumer["receiveJson"]>().parameter(0).toBeUnknown();
    expectTypeOf<AsyncEnvelopeConsumer["receiveRequest"]>().returns.toEqualTypeOf<Promise<unknown>>();
  });
});
