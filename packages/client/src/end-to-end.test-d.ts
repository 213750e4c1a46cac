// Type-level tests: one protocol type, given to the consumer and to connect(), checks both sides.
import {
  AsyncEnvelopeConsumer,
  AsyncJsonWebsocketConsumer,
  type ClientSends as ServerSideClientSends,
} from "@channels-ts/core";
import { describe, expectTypeOf, it } from "vitest";
import { connect } from "./connect";
import type { ClientSends, ServerSends } from "./protocol";

type RoomProtocol = {
  clientSends: { message: string };
  serverSends: { type: "chat"; name: string; message: string };
  clientRequests: { request: { rename: string }; reply: { name: string } };
};

class RoomConsumer extends AsyncEnvelopeConsumer<RoomProtocol> {
  override async receiveJson(content: { message: string }) {
    await this.sendJson({ type: "chat", name: "Ada", message: content.message });
  }
  override async receiveRequest(request: { rename: string }) {
    return { name: request.rename };
  }
}

describe("one protocol type on both sides", () => {
  it("the client sends what the consumer receives, and receives what it sends", () => {
    expectTypeOf<ClientSends<RoomProtocol>>().toEqualTypeOf<ServerSideClientSends<RoomProtocol>>();
    expectTypeOf<Parameters<RoomConsumer["receiveJson"]>[0]>().toEqualTypeOf<ClientSends<RoomProtocol>>();
    expectTypeOf<Parameters<RoomConsumer["sendJson"]>[0]>().toEqualTypeOf<ServerSends<RoomProtocol>>();
    const socket = connect<RoomProtocol>("ws://127.0.0.1/ws/");
    socket.send({ message: "hi" });
    // @ts-expect-error: the consumer takes { message }, not { text }
    socket.send({ text: "hi" });
    expectTypeOf(socket.request({ rename: "Grace" })).toEqualTypeOf<
      Promise<Awaited<ReturnType<RoomConsumer["receiveRequest"]>>>
    >();
  });

  it("the plain JSON consumer takes the same protocol's halves", () => {
    class Plain extends AsyncJsonWebsocketConsumer<ClientSends<RoomProtocol>, ServerSends<RoomProtocol>> {}
    expectTypeOf<Parameters<Plain["sendJson"]>[0]>().toEqualTypeOf<{
      type: "chat";
      name: string;
      message: string;
    }>();
  });
});
