// Type-level tests: ConnectResult narrows on `connected`; communicator signatures.
import { describe, expectTypeOf, it } from "vitest";
import type { Headers } from "../protocol/types";
import type { ApplicationCommunicator } from "./application-communicator";
import type { HttpCommunicator, HttpResponse } from "./http-communicator";
import type { ConnectResult, WebsocketCommunicator } from "./websocket-communicator";

describe("ConnectResult", () => {
  it("narrows on connected", () => {
    const check = (result: ConnectResult) => {
      if (result.connected) {
        expectTypeOf(result.subprotocol).toEqualTypeOf<string | null>();
        expectTypeOf(result.closeCode).toEqualTypeOf<undefined>();
      } else {
        expectTypeOf(result.closeCode).toBeNumber();
        expectTypeOf(result.response).toEqualTypeOf<
          { status: number; headers: Headers; body: Uint8Array } | undefined
        >();
      }
    };
    void check;
  });

  it("can be destructured as the testing docs show", () => {
    const check = (result: ConnectResult) => {
      const { connected, subprotocol, closeCode } = result;
      expectTypeOf(connected).toBeBoolean();
      expectTypeOf(subprotocol).toEqualTypeOf<string | null | undefined>();
      expectTypeOf(closeCode).toEqualTypeOf<number | undefined>();
    };
    void check;
  });
});

describe("communicators", () => {
  it("extend ApplicationCommunicator", () => {
    expectTypeOf<WebsocketCommunicator>().toExtend<ApplicationCommunicator>();
    expectTypeOf<HttpCommunicator>().toExtend<ApplicationCommunicator>();
  });

  it("have the documented signatures", () => {
    expectTypeOf<WebsocketCommunicator["connect"]>().returns.toEqualTypeOf<Promise<ConnectResult>>();
    expectTypeOf<WebsocketCommunicator["receiveFrom"]>().returns.toEqualTypeOf<
      Promise<string | Uint8Array>
    >();
    expectTypeOf<WebsocketCommunicator["sendTo"]>().parameter(0).toEqualTypeOf<string | Uint8Array>();
    expectTypeOf<WebsocketCommunicator["receiveNothing"]>().returns.toEqualTypeOf<Promise<boolean>>();
    expectTypeOf<HttpCommunicator["getResponse"]>().returns.toEqualTypeOf<Promise<HttpResponse>>();
    expectTypeOf<HttpResponse["body"]>().toEqualTypeOf<Uint8Array>();
  });
});
