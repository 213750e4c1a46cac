// Type-level tests: asAsgi() typing.
import { describe, expectTypeOf, it } from "vitest";
import type { Application } from "../protocol/types";
import { AsyncConsumer, type ConsumerApplication } from "./async-consumer";
import { AsyncHttpConsumer } from "./http-consumer";
import { AsyncWebsocketConsumer } from "./websocket-consumer";

class Room extends AsyncWebsocketConsumer {
  constructor(readonly options: { room: string; limit?: number }) {
    super();
  }
}

class Plain extends AsyncWebsocketConsumer {}

describe("asAsgi", () => {
  it("returns an Application carrying the class and its constructor arguments", () => {
    const app = Room.asAsgi({ room: "lobby" });
    expectTypeOf(app).toExtend<Application>();
    type Args = [{ room: string; limit?: number }];
    expectTypeOf(app).toExtend<ConsumerApplication<Room, Args>>();
    expectTypeOf(app.consumerClass).toExtend<new (options: { room: string; limit?: number }) => Room>();
    expectTypeOf(app.consumerArgs).toExtend<Args>();
    expectTypeOf<Args>().toExtend<typeof app.consumerArgs>();
    // @ts-expect-error: the args are the constructor's, not anything
    expectTypeOf(app.consumerArgs).toExtend<[number]>();
  });

  it("checks the arguments against the constructor", () => {
    Room.asAsgi({ room: "lobby", limit: 3 });
    // @ts-expect-error: room must be a string
    Room.asAsgi({ room: 1 });
    // @ts-expect-error: the options are required
    Room.asAsgi();
  });

  it("takes no arguments for a consumer without a constructor", () => {
    expectTypeOf(Plain.asAsgi()).toEqualTypeOf<ConsumerApplication<Plain, []>>();
    expectTypeOf(AsyncConsumer.asAsgi()).toExtend<Application>();
  });

  it("is not callable on an abstract consumer", () => {
    abstract class Base extends AsyncHttpConsumer {}
    // @ts-expect-error: an abstract class cannot be instantiated
    Base.asAsgi();
  });

  it("types the consumer's scope by protocol", () => {
    expectTypeOf<Room["scope"]["type"]>().toEqualTypeOf<"websocket">();
    expectTypeOf<AsyncHttpConsumer["scope"]["type"]>().toEqualTypeOf<"http">();
  });
});
