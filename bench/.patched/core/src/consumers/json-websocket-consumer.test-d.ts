// Type-level tests: AsyncJsonWebsocketConsumer<In, Out> types what receiveJson gets and what sendJson takes.
import { describe, expectTypeOf, it } from "vitest";
import { AsyncJsonWebsocketConsumer } from "./json-websocket-consumer";
import type { AsyncWebsocketConsumer, WebsocketSendOptions } from "./websocket-consumer";

type ClientMessage = { action: "join"; room: string } | { action: "say"; text: string };
type ServerMessage = { event: "joined"; room: string } | { event: "said"; text: string };

class Chat extends AsyncJsonWebsocketConsumer<ClientMessage, ServerMessage> {
  override async receiveJson(content: ClientMessage) {
    if (content.action === "join") {
      expectTypeOf(content).toEqualTypeOf<{ action: "join"; room: string }>();
      await this.sendJson({ event: "joined", room: content.room });
    } else {
      expectTypeOf(content.text).toBeString();
      await this.sendJson({ event: "said", text: content.text }, { close: 4000 });
    }
  }
}

describe("AsyncJsonWebsocketConsumer<In, Out>", () => {
  it("receiveJson gets In", () => {
    expectTypeOf<Chat["receiveJson"]>().parameter(0).toEqualTypeOf<ClientMessage>();
    expectTypeOf<Chat["receiveJson"]>().returns.toEqualTypeOf<Promise<void>>();
  });

  it("sendJson takes Out and the send options, and refuses anything else", () => {
    expectTypeOf<Chat["sendJson"]>().parameter(0).toEqualTypeOf<ServerMessage>();
    expectTypeOf<Chat["sendJson"]>().parameter(1).toEqualTypeOf<WebsocketSendOptions | undefined>();
    const chat = new Chat();
    void chat.sendJson({ event: "joined", room: "lobby" });
    // @ts-expect-error: not an outgoing message
    void chat.sendJson({ action: "join", room: "lobby" });
    // @ts-expect-error: a field of the wrong type
    void chat.sendJson({ event: "said", text: 42 });
    // @ts-expect-error: close takes a boolean or a code
    void chat.sendJson({ event: "said", text: "hi" }, { close: "now" });
  });

  it("an override of receiveJson must accept In", () => {
    class Narrow extends AsyncJsonWebsocketConsumer<{ n: number }> {
      // @ts-expect-error: a string parameter does not take the incoming { n: number }
      override async receiveJson(_content: string) {}
    }
    void Narrow;
  });

  it("defaults to unknown both ways", () => {
    expectTypeOf<AsyncJsonWebsocketConsumer["receiveJson"]>().parameter(0).toBeUnknown();
    expectTypeOf<AsyncJsonWebsocketConsumer["sendJson"]>().parameter(0).toBeUnknown();
  });

  it("is an AsyncWebsocketConsumer; encodeJson / decodeJson are synchronous statics", () => {
    expectTypeOf<Chat>().toExtend<AsyncWebsocketConsumer>();
    expectTypeOf(Chat.encodeJson).toEqualTypeOf<(content: unknown) => string>();
    expectTypeOf(Chat.decodeJson).toEqualTypeOf<(text: string) => unknown>();
  });
});
