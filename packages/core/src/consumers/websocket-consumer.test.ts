// AsyncWebsocketConsumer, ported from Django Channels' generic WebSocket consumer tests (async variants only).

import { describe, expect, it } from "vitest";
import { useChannelLayer } from "../../test/support/layers";
import {
  AcceptConnection,
  DenyConnection,
  InvalidChannelLayerError,
  InvalidMessageError,
} from "../exceptions";
import { InMemoryChannelLayer } from "../layers/in-memory-layer";
import { channelLayers } from "../layers/registry";
import { path, URLRouter } from "../routing/url-router";
import { TimeoutError } from "../testing/timeout-error";
import { WebsocketCommunicator } from "../testing/websocket-communicator";
import { AsyncWebsocketConsumer } from "./websocket-consumer";

const layer = useChannelLayer(() => new InMemoryChannelLayer());

const bytes = (...values: number[]) => new Uint8Array(values);

/** The echo consumer of Django's tests, recording what it saw. */
function makeEcho() {
  const results: {
    connected?: boolean;
    received?: [string | undefined, Uint8Array | undefined];
    disconnected?: number;
  } = {};
  class Echo extends AsyncWebsocketConsumer {
    override async connect() {
      results.connected = true;
      await this.accept();
    }
    override async receive(textData?: string, bytesData?: Uint8Array) {
      results.received = [textData, bytesData];
      await this.send(textData ?? bytesData!);
    }
    override async disconnect(code: number) {
      results.disconnected = code;
    }
  }
  return { Echo, results };
}

describe("connect", () => {
  it("WS-01 ★ connect() runs and accept() connects: { connected: true, subprotocol: null }", async () => {
    const { Echo, results } = makeEcho();
    const comm = new WebsocketCommunicator(Echo.asAsgi(), "/testws/");
    expect(await comm.connect()).toEqual({ connected: true, subprotocol: null });
    expect(results.connected).toBe(true);
    await comm.disconnect();
  });

  it("WS-01 the accept event always carries subprotocol, null when none was chosen", async () => {
    const comm = new WebsocketCommunicator(AsyncWebsocketConsumer.asAsgi(), "/");
    await comm.sendInput({ type: "websocket.connect" });
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.accept", subprotocol: null });
    await comm.disconnect();
  });

  it("WS-05 ★ accept(subprotocol) answers with the chosen subprotocol", async () => {
    let offered: string[] | undefined;
    class Sub extends AsyncWebsocketConsumer {
      override async connect() {
        offered = this.scope.subprotocols;
        await this.accept("subprotocol2");
      }
    }
    const comm = new WebsocketCommunicator(Sub.asAsgi(), "/", {
      subprotocols: ["subprotocol1", "subprotocol2"],
    });
    expect(await comm.connect()).toEqual({ connected: true, subprotocol: "subprotocol2" });
    expect(offered).toEqual(["subprotocol1", "subprotocol2"]);
    await comm.disconnect();
  });

  it("WS-09 ★ DenyConnection in connect() closes without a code: { connected: false, closeCode: 1000 }", async () => {
    class Deny extends AsyncWebsocketConsumer {
      override async connect() {
        throw new DenyConnection();
      }
    }
    const raw = new WebsocketCommunicator(Deny.asAsgi(), "/");
    await raw.sendInput({ type: "websocket.connect" });
    expect(await raw.receiveOutput()).toStrictEqual({ type: "websocket.close" });
    await raw.disconnect();

    const comm = new WebsocketCommunicator(Deny.asAsgi(), "/");
    expect(await comm.connect()).toEqual({ connected: false, closeCode: 1000 });
    await comm.disconnect();
  });

  it("WS-10 AcceptConnection in connect() accepts", async () => {
    class Accept extends AsyncWebsocketConsumer {
      override async connect() {
        throw new AcceptConnection();
      }
    }
    const comm = new WebsocketCommunicator(Accept.asAsgi(), "/");
    expect(await comm.connect()).toEqual({ connected: true, subprotocol: null });
    await comm.disconnect();
  });

  it("WS-11 ★ close(4001) in connect() rejects with that code", async () => {
    class Reject extends AsyncWebsocketConsumer {
      override async connect() {
        await this.close(4001);
      }
    }
    const comm = new WebsocketCommunicator(Reject.asAsgi(), "/");
    expect(await comm.connect()).toEqual({ connected: false, closeCode: 4001 });
    await comm.disconnect();
  });

  it("WS-12 ★ a connect() that neither accepts nor closes times out, and the app is cancelled", async () => {
    class Mute extends AsyncWebsocketConsumer {
      override async connect() {}
    }
    const comm = new WebsocketCommunicator(Mute.asAsgi(), "/");
    const error = await comm.connect(200).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).name).toBe("TimeoutError");
    expect(comm.isCancelled).toBe(true);
    await expect(comm.wait()).resolves.toBeUndefined();
  });

  it("other exceptions from connect() propagate out of the app", async () => {
    class Broken extends AsyncWebsocketConsumer {
      override async connect() {
        throw new SyntaxError("bad connect");
      }
    }
    const comm = new WebsocketCommunicator(Broken.asAsgi(), "/");
    await expect(comm.connect()).rejects.toThrow(SyntaxError);
  });

  it("WS-15 accept(subprotocol, headers) sends the headers; the communicator keeps them", async () => {
    class WithHeaders extends AsyncWebsocketConsumer {
      override async connect() {
        await this.accept(null, [["foo", "bar"]]);
      }
    }
    const comm = new WebsocketCommunicator(WithHeaders.asAsgi(), "/");
    expect((await comm.connect()).connected).toBe(true);
    expect(comm.responseHeaders).toEqual([["foo", "bar"]]);
    await comm.disconnect();
  });

  it("WS-15 accept() with an empty header list leaves headers out of the event", async () => {
    class EmptyHeaders extends AsyncWebsocketConsumer {
      override async connect() {
        await this.accept("p", []);
      }
    }
    const comm = new WebsocketCommunicator(EmptyHeaders.asAsgi(), "/");
    await comm.sendInput({ type: "websocket.connect" });
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.accept", subprotocol: "p" });
    await comm.disconnect();
  });

  it("WS-16 ★ close(4007, reason) after accept carries code and reason", async () => {
    class CloseWithReason extends AsyncWebsocketConsumer {
      override async connect() {
        await this.accept();
        await this.close(4007, "test reason");
      }
    }
    const comm = new WebsocketCommunicator(CloseWithReason.asAsgi(), "/");
    expect((await comm.connect()).connected).toBe(true);
    expect(await comm.receiveOutput()).toStrictEqual({
      type: "websocket.close",
      code: 4007,
      reason: "test reason",
    });
    await comm.disconnect();
  });
});

describe("frames", () => {
  it("WS-02 ★ a text frame reaches receive(text) and is echoed as text", async () => {
    const { Echo, results } = makeEcho();
    const comm = new WebsocketCommunicator(Echo.asAsgi(), "/testws/");
    await comm.connect();
    await comm.sendTo("hello");
    expect(await comm.receiveFrom()).toBe("hello");
    expect(results.received).toEqual(["hello", undefined]);
    await comm.disconnect();
  });

  it("WS-03 ★ a binary frame reaches receive(undefined, bytes) and is echoed as bytes", async () => {
    const { Echo, results } = makeEcho();
    const comm = new WebsocketCommunicator(Echo.asAsgi(), "/testws/");
    await comm.connect();
    await comm.sendTo(bytes(0x77, 0, 0, 0));
    const reply = await comm.receiveFrom();
    expect(reply).toBeInstanceOf(Uint8Array);
    expect([...(reply as Uint8Array)]).toEqual([0x77, 0, 0, 0]);
    expect(results.received?.[0]).toBeUndefined();
    expect([...(results.received?.[1] ?? [])]).toEqual([0x77, 0, 0, 0]);
    await comm.disconnect();
  });

  it("WS-17 text: null with bytes takes the bytes path; text-only and bytes-only route as expected", async () => {
    class Lengths extends AsyncWebsocketConsumer {
      override async receive(textData?: string, bytesData?: Uint8Array) {
        if (textData !== undefined) await this.send(`Received text: ${textData}`);
        else await this.send(`Received bytes of length: ${bytesData!.length}`);
      }
    }
    const comm = new WebsocketCommunicator(Lengths.asAsgi(), "/");
    await comm.connect();
    const data = new TextEncoder().encode("test data");
    await comm.sendInput({ type: "websocket.receive", text: null, bytes: data });
    expect(await comm.receiveFrom()).toBe("Received bytes of length: 9");
    await comm.sendInput({ type: "websocket.receive", bytes: data });
    expect(await comm.receiveFrom()).toBe("Received bytes of length: 9");
    await comm.sendInput({ type: "websocket.receive", text: "hi" });
    expect(await comm.receiveFrom()).toBe("Received text: hi");
    await comm.sendInput({ type: "websocket.receive", text: "", bytes: null });
    expect(await comm.receiveFrom()).toBe("Received text: ");
    await comm.disconnect();
  });

  it("a websocket.receive without text or bytes crashes the consumer with InvalidMessageError", async () => {
    const comm = new WebsocketCommunicator(AsyncWebsocketConsumer.asAsgi(), "/");
    await comm.connect();
    await comm.sendInput({ type: "websocket.receive" });
    const error = await comm.wait().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as Error).message).toBe(
      'A "websocket.receive" message needs a "text" string or a "bytes" Uint8Array; it had neither.',
    );
  });

  it("WS-13 ★ send(text, { close: true }) sends the frame then a close without code", async () => {
    class Bye extends AsyncWebsocketConsumer {
      override async receive(textData?: string) {
        if (textData === "true") await this.send("bye", { close: true });
        else if (textData === "4000") await this.send("bye", { close: 4000 });
        else if (textData === "close-true") await this.close(true);
        else await this.send("bye", { close: false });
      }
    }
    const comm = new WebsocketCommunicator(Bye.asAsgi(), "/");
    await comm.connect();
    await comm.sendTo("true");
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.send", text: "bye" });
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.close" });
    await comm.sendTo("4000");
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.send", text: "bye" });
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.close", code: 4000 });
    await comm.sendTo("close-true");
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.close" });
    await comm.sendTo("false");
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.send", text: "bye" });
    expect(await comm.receiveNothing()).toBe(true);
    await comm.disconnect();
  });

  it("WS-14 send('') emits an empty text frame; send(nothing) is a TypeError that says what to pass", async () => {
    class Empty extends AsyncWebsocketConsumer {
      override async receive(textData?: string) {
        if (textData === "empty") await this.send("");
        else await this.send(undefined as unknown as string);
      }
    }
    const comm = new WebsocketCommunicator(Empty.asAsgi(), "/");
    await comm.connect();
    await comm.sendTo("empty");
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.send", text: "" });
    await comm.sendTo("nothing");
    const error = await comm.receiveOutput().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(
      /send\(\) takes a string \(text frame\) or a Uint8Array \(binary frame\); got undefined/,
    );
  });

  it("send(object) is a TypeError that points at sendJson", async () => {
    class Obj extends AsyncWebsocketConsumer {
      override async receive() {
        await this.send({ a: 1 } as unknown as string);
      }
    }
    const comm = new WebsocketCommunicator(Obj.asAsgi(), "/");
    await comm.connect();
    await comm.sendTo("x");
    await expect(comm.receiveOutput()).rejects.toThrow(/got object\. Use sendJson\(\)/);
  });
});

describe("disconnect", () => {
  it("WS-04 ★ disconnect() runs the hook with 1000 and ends the app", async () => {
    const { Echo, results } = makeEcho();
    const comm = new WebsocketCommunicator(Echo.asAsgi(), "/");
    await comm.connect();
    await comm.disconnect();
    expect(results.disconnected).toBe(1000);
    expect(comm.done).toBe(true);
  });

  it("WS-04 ★ disconnect(4321) passes the code to the hook", async () => {
    const { Echo, results } = makeEcho();
    const comm = new WebsocketCommunicator(Echo.asAsgi(), "/");
    await comm.connect();
    await comm.disconnect(4321);
    expect(results.disconnected).toBe(4321);
    expect(comm.done).toBe(true);
  });

  it("server-side close() does not end the consumer; the disconnect event does", async () => {
    class Closer extends AsyncWebsocketConsumer {
      override async receive() {
        await this.close();
      }
    }
    const comm = new WebsocketCommunicator(Closer.asAsgi(), "/");
    await comm.connect();
    await comm.sendTo("close please");
    expect(await comm.receiveOutput()).toStrictEqual({ type: "websocket.close" });
    expect(await comm.receiveNothing()).toBe(true);
    expect(comm.done).toBe(false);
    await comm.disconnect();
    expect(comm.done).toBe(true);
  });
});

describe("groups", () => {
  class GroupEcho extends AsyncWebsocketConsumer {
    override groups = ["chat"];
    override async receive(textData?: string) {
      await this.send(textData!);
    }
  }

  it("WS-06 ★ listed groups are joined before connect(); a group message reaches receive()", async () => {
    let membersAtConnect: number | undefined;
    class Grouped extends GroupEcho {
      override async connect() {
        membersAtConnect = layer().groups.get("chat")?.size;
        await this.accept();
      }
    }
    const comm = new WebsocketCommunicator(Grouped.asAsgi(), "/testws/");
    expect((await comm.connect()).connected).toBe(true);
    expect(membersAtConnect).toBe(1);
    await layer().groupSend("chat", { type: "websocket.receive", text: "hello" });
    expect(await comm.receiveFrom()).toBe("hello");
    await comm.disconnect();
  });

  it("WS-07 ★ disconnect leaves the groups: layer.groups is empty", async () => {
    const comm = new WebsocketCommunicator(GroupEcho.asAsgi(), "/testws/");
    await comm.connect();
    expect(layer().groups.get("chat")?.size).toBe(1);
    await comm.disconnect();
    expect(layer().groups.size).toBe(0);
  });

  it("a consumer cancelled before disconnect still leaves its groups", async () => {
    class NeverAccepts extends GroupEcho {
      override async connect() {}
    }
    const comm = new WebsocketCommunicator(NeverAccepts.asAsgi(), "/");
    await expect(comm.connect(50)).rejects.toBeInstanceOf(TimeoutError);
    await comm.wait();
    expect(layer().groups.size).toBe(0);
  });

  it("WS-08 ★ groups without a registered layer: InvalidChannelLayerError that says how to register one", async () => {
    channelLayers.reset();
    class NoLayer extends AsyncWebsocketConsumer {
      override groups = ["g1"];
    }
    const comm = new WebsocketCommunicator(NoLayer.asAsgi(), "/");
    const error = await comm.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidChannelLayerError);
    expect((error as Error).name).toBe("InvalidChannelLayerError");
    expect((error as Error).message).toBe(
      'NoLayer lists groups, but no channel layer with groups is registered as "default". Register one, e.g. channelLayers.set("default", new InMemoryChannelLayer()), or pass serve(app, { layers: { default: layer } }).',
    );
  });

  it("WS-08 a layer without the groups extension is refused the same way", async () => {
    channelLayers.reset();
    const noGroups = Object.assign(Object.create(layer()) as InMemoryChannelLayer, { extensions: ["flush"] });
    channelLayers.set("default", noGroups);
    class Grouped extends AsyncWebsocketConsumer {
      override groups = ["g1"];
    }
    const comm = new WebsocketCommunicator(Grouped.asAsgi(), "/");
    await expect(comm.connect()).rejects.toThrow(/no channel layer with groups is registered as "default"/);
  });
});

describe("routing into a consumer", () => {
  it("RT-19 ★ URLRouter passes url_route kwargs to the consumer", async () => {
    class KwargConsumer extends AsyncWebsocketConsumer {
      override async connect() {
        await this.accept();
        await this.send(String(this.scope.url_route?.kwargs.message));
      }
    }
    const app = URLRouter([path("testws/<str:message>/", KwargConsumer.asAsgi())]);
    const comm = new WebsocketCommunicator(app, "/testws/test/");
    expect(await comm.connect()).toEqual({ connected: true, subprotocol: null });
    expect(await comm.receiveFrom()).toBe("test");
    await comm.disconnect();
  });

  it("this.routeKwargs reads the route's kwargs, typed by the consumer's Kwargs", async () => {
    class Room extends AsyncWebsocketConsumer<{ room: string; page: number }> {
      override async connect() {
        await this.accept();
        const { room, page } = this.routeKwargs;
        await this.send(`${room.toUpperCase()} ${page + 1}`);
      }
    }
    const app = URLRouter([path("ws/<str:room>/<int:page>/", Room.asAsgi())]);
    const comm = new WebsocketCommunicator(app, "/ws/lobby/1/");
    await comm.connect();
    expect(await comm.receiveFrom()).toBe("LOBBY 2");
    await comm.disconnect();
  });

  it("WS-18 (adapted, no sessions) two communicators on one app keep their own scopes", async () => {
    class PathEcho extends AsyncWebsocketConsumer {
      override async receive() {
        await this.send(this.scope.path);
      }
    }
    const app = PathEcho.asAsgi();
    const first = new WebsocketCommunicator(app, "/first/");
    const second = new WebsocketCommunicator(app, "/second/");
    await first.connect();
    await second.connect();
    await second.sendTo("x");
    await first.sendTo("x");
    expect(await second.receiveFrom()).toBe("/second/");
    expect(await first.receiveFrom()).toBe("/first/");
    await first.disconnect();
    await second.disconnect();
  });
});

describe("layer.groups_lost", () => {
  it("closes with 1011 so the client reconnects and rejoins the groups the layer lost", async () => {
    let channelName = "";
    class Member extends AsyncWebsocketConsumer {
      override groups = ["room"];
      override async connect() {
        channelName = this.channelName;
        await this.accept();
      }
    }
    const comm = new WebsocketCommunicator(Member.asAsgi(), "/");
    expect((await comm.connect()).connected).toBe(true);
    await layer().send(channelName, { type: "layer.groups_lost", groups: ["room"] });
    expect(await comm.receiveOutput()).toEqual({ type: "websocket.close", code: 1011 });
    await comm.disconnect(1011);
  });
});
