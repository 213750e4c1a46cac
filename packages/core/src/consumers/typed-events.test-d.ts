// Type-level tests: layer events typed against the receiving consumer's handlers.
import { describe, expectTypeOf, it } from "vitest";
import type { ChannelLayer } from "../layers/base";
import { type HandlerNameOf, type LayerEventsOf, typedLayer } from "./typed-events";
import { AsyncWebsocketConsumer } from "./websocket-consumer";

type ChatMessage = { type: "chat.message"; text: string; name: string };
type Presence = { type: "chat.join" | "chat.leave"; name: string };

class Room extends AsyncWebsocketConsumer {
  count = 0;
  async chat_message(event: ChatMessage) {
    void event;
  }
  async chat_join(event: Presence) {
    void event;
  }
  async chat_leave(event: Presence) {
    void event;
  }
  async room_user_kicked(event: { type: "room.user.kicked"; reason: string }) {
    void event;
  }
  /** Not a handler: its parameter has no type. */
  async helper(_n: number) {}
}

declare const layer: ChannelLayer;

describe("HandlerNameOf", () => {
  it("turns every dot into an underscore", () => {
    expectTypeOf<HandlerNameOf<"chat.message">>().toEqualTypeOf<"chat_message">();
    expectTypeOf<HandlerNameOf<"a.b.c">>().toEqualTypeOf<"a_b_c">();
    expectTypeOf<HandlerNameOf<"plain">>().toEqualTypeOf<"plain">();
  });
});

describe("LayerEventsOf<C>", () => {
  it("collects the events of the handler methods, narrowed to the type that reaches each", () => {
    type Events = LayerEventsOf<Room>;
    expectTypeOf<Extract<Events, { type: "chat.message" }>>().toEqualTypeOf<
      ChatMessage & { type: "chat.message" }
    >();
    expectTypeOf<Events["type"]>().toEqualTypeOf<
      "chat.message" | "chat.join" | "chat.leave" | "room.user.kicked"
    >();
  });
});

describe("typedLayer<C>(layer)", () => {
  it("accepts the events C handles", () => {
    const typed = typedLayer<Room>(layer);
    void typed.groupSend("room", { type: "chat.message", text: "hi", name: "Ada" });
    void typed.groupSend("room", { type: "chat.join", name: "Ada" });
    void typed.send("chat.x!y", { type: "room.user.kicked", reason: "spam" });
  });

  it("refuses a misspelt type, a wrong payload, a protocol event", () => {
    const typed = typedLayer<Room>(layer);
    // @ts-expect-error: "chat.mesage" has no handler (chat_mesage)
    void typed.groupSend("room", { type: "chat.mesage", text: "hi", name: "Ada" });
    // @ts-expect-error: text must be a string
    void typed.groupSend("room", { type: "chat.message", text: 1, name: "Ada" });
    // @ts-expect-error: name is missing
    void typed.groupSend("room", { type: "chat.message", text: "hi" });
    // @ts-expect-error: websocket.* events are the server's, not layer events
    void typed.groupSend("room", { type: "websocket.disconnect", code: 1000 });
    // @ts-expect-error: layer.* notices are the layer's own
    void typed.groupSend("room", { type: "layer.groups_lost" });
  });

  it("leaves the untyped layer as it was", () => {
    void layer.groupSend("room", { type: "chat.mesage" });
    expectTypeOf(typedLayer<Room>(layer).groupAdd).toEqualTypeOf(layer.groupAdd);
  });
});
