import { HttpCommunicator, WebsocketCommunicator } from "@channels-ts/core/testing";
import { describe, expect, it } from "vitest";
import type { HttpScope } from "../protocol/types";
import { denyConnection } from "./denial";
import { WebsocketDenier } from "./websocket-denier";

const denialScope = { extensions: { "websocket.http.response": {} } };

describe("WebsocketDenier", () => {
  it("closes before accept when the server has no denial responses", async () => {
    const communicator = new WebsocketCommunicator(WebsocketDenier.asAsgi(), "/");
    expect(await communicator.connect()).toEqual({ connected: false, closeCode: 1000 });
    await communicator.disconnect();
  });

  it("answers 403 'Access denied' where it can", async () => {
    const communicator = new WebsocketCommunicator(WebsocketDenier.asAsgi(), "/", { scope: denialScope });
    const result = await communicator.connect();
    if (result.connected) throw new Error("expected the connection to be refused");
    expect(result.response?.status).toBe(403);
    expect(result.response?.headers).toContainEqual(["content-type", "text/plain; charset=utf-8"]);
    expect(new TextDecoder().decode(result.response?.body)).toBe("Access denied");
    await communicator.disconnect();
  });

  it("takes another status and body in a subclass", async () => {
    class MaintenanceDenier extends WebsocketDenier {
      static override denialStatus = 503;
      static override denialBody = "Back soon";
    }
    const communicator = new WebsocketCommunicator(MaintenanceDenier.asAsgi(), "/", { scope: denialScope });
    const result = await communicator.connect();
    if (result.connected) throw new Error("expected the connection to be refused");
    expect(result.response?.status).toBe(503);
    expect(new TextDecoder().decode(result.response?.body)).toBe("Back soon");
    await communicator.disconnect();
  });
});

describe("denyConnection", () => {
  it("answers HTTP requests with the status and body", async () => {
    const response = await new HttpCommunicator(
      (scope, receive, send) => denyConnection(scope as HttpScope, receive, send, { status: 401 }),
      "GET",
      "/",
    ).getResponse();
    expect(response.status).toBe(401);
    expect(new TextDecoder().decode(response.body)).toBe("Unauthorized");
  });

  it("refuses a status that is not an error", async () => {
    const communicator = new HttpCommunicator(
      (scope, receive, send) => denyConnection(scope as HttpScope, receive, send, { status: 200 }),
      "GET",
      "/",
    );
    await expect(communicator.getResponse()).rejects.toThrow(/400-599/);
  });
});
