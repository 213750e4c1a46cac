// Consumer dispatch and lifecycle, ported from Django Channels' consumer tests to AsyncConsumer.

import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it, vi } from "vitest";
import { useChannelLayer } from "../../test/support/layers";
import {
  CancelledError,
  InvalidChannelLayerError,
  InvalidMessageError,
  NoHandlerError,
  StopConsumer,
} from "../exceptions";
import { InMemoryChannelLayer } from "../layers/in-memory-layer";
import { channelLayers } from "../layers/registry";
import type { LayerMessage, Receive, ReceiveEvent, Scope, Send, SendEvent } from "../protocol/types";
import { ApplicationCommunicator } from "../testing/application-communicator";
import { HttpCommunicator } from "../testing/http-communicator";
import { WebsocketCommunicator } from "../testing/websocket-communicator";
import { AsyncConsumer } from "./async-consumer";
import { getHandlerName } from "./handler-name";
import { AsyncHttpConsumer } from "./http-consumer";
import { AsyncWebsocketConsumer } from "./websocket-consumer";

const layer = useChannelLayer(() => new InMemoryChannelLayer());

/** A promise the test resolves by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Accepts, then tells the client its channel name, so the test can send to it. */
class ChannelReporter extends AsyncWebsocketConsumer {
  override async connect() {
    await this.accept();
    await this.send(this.channelName);
  }
}

async function connectReporter(consumer: typeof ChannelReporter) {
  const comm = new WebsocketCommunicator(consumer.asAsgi(), "/");
  expect((await comm.connect()).connected).toBe(true);
  const channelName = (await comm.receiveFrom()) as string;
  return { comm, channelName };
}

describe("getHandlerName", () => {
  it("turns dots into underscores", () => {
    expect(getHandlerName({ type: "chat.message" })).toBe("chat_message");
    expect(getHandlerName({ type: "broadcast_message" })).toBe("broadcast_message");
    expect(getHandlerName({ type: "websocket.receive" })).toBe("websocket_receive");
  });

  it("allows an underscore that is not leading: a._b → a__b", () => {
    expect(getHandlerName({ type: "a._b" })).toBe("a__b");
  });

  it.each(["_x", ".x", "_my_private_handler", "..x"])("refuses the private type %j", (type) => {
    const error = (() => {
      try {
        getHandlerName({ type });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as Error).message).toMatch(/Malformed type in message \(leading underscore\)/);
    expect((error as Error).message).toContain(JSON.stringify(type));
  });

  it.each([[{}], [null], [undefined], ["chat.message"], [{ text: "hi" }]])(
    "refuses %j: no type",
    (message) => {
      expect(() => getHandlerName(message)).toThrow(InvalidMessageError);
      expect(() => getHandlerName(message)).toThrow(/Incoming message has no "type".*e\.g\. \{ type:/);
    },
  );

  it("refuses a non-string type and says to use a string", () => {
    expect(() => getHandlerName({ type: 42 })).toThrow(InvalidMessageError);
    expect(() => getHandlerName({ type: 42 })).toThrow(/non-string "type" \(number\); use a string/);
  });
});

describe("dispatch", () => {
  it("CD-01 ★ a layer message chat.message reaches chat_message with that object", async () => {
    const seen: LayerMessage[] = [];
    class Chat extends ChannelReporter {
      async chat_message(message: LayerMessage) {
        seen.push(message);
        await this.send(String(message.text));
      }
    }
    const { comm, channelName } = await connectReporter(Chat);
    await layer().send(channelName, { type: "chat.message", text: "hi" });
    expect(await comm.receiveFrom()).toBe("hi");
    expect(seen).toEqual([{ type: "chat.message", text: "hi" }]);
    await comm.disconnect();
  });

  it("CD-02 ★ a leading-underscore type crashes the consumer; the private method never runs", async () => {
    let called = false;
    class Private extends ChannelReporter {
      async _my_private_handler() {
        called = true;
      }
    }
    const { comm, channelName } = await connectReporter(Private);
    await layer().send(channelName, { type: "_my_private_handler" });
    const error = await comm.receiveFrom().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as Error).message).toMatch(/Malformed type in message \(leading underscore\)/);
    expect(called).toBe(false);
    await expect(comm.wait()).rejects.toBe(error);
  });

  it("CD-03 ★ a leading-dot type crashes the consumer the same way (the dot becomes _)", async () => {
    let called = false;
    class Private extends ChannelReporter {
      async _my_private_handler() {
        called = true;
      }
    }
    const { comm, channelName } = await connectReporter(Private);
    await layer().send(channelName, { type: ".my_private_handler" });
    const error = await comm.receiveFrom().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as Error).message).toMatch(/Malformed type in message \(leading underscore\)/);
    expect((error as Error).message).toContain('".my_private_handler"');
    expect(called).toBe(false);
  });

  it("CD-04 ★ an unknown type goes to handleUnknown, which by default throws NoHandlerError and ends the consumer", async () => {
    const { comm, channelName } = await connectReporter(ChannelReporter);
    await layer().send(channelName, { type: "no.handler" });
    const error = await comm.receiveFrom().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoHandlerError);
    expect((error as NoHandlerError).name).toBe("NoHandlerError");
    expect((error as NoHandlerError).messageType).toBe("no.handler");
    expect((error as NoHandlerError).handlerName).toBe("no_handler");
    expect((error as Error).message).toBe(
      'No handler for message type "no.handler" on ChannelReporter: define a method no_handler(message), or override handleUnknown(message) to ignore or log such messages.',
    );
    // The app is over: disconnect reports the same failure.
    await expect(comm.disconnect()).rejects.toBe(error);
  });

  it("CD-04 overriding handleUnknown lets a consumer ignore unknown types and keep going", async () => {
    const ignored: string[] = [];
    class Tolerant extends ChannelReporter {
      override async handleUnknown(message: LayerMessage) {
        ignored.push(message.type);
      }
      async ping(_message: LayerMessage) {
        await this.send("pong");
      }
    }
    const { comm, channelName } = await connectReporter(Tolerant);
    await layer().send(channelName, { type: "no.handler" });
    await layer().send(channelName, { type: "ping" });
    expect(await comm.receiveFrom()).toBe("pong");
    expect(ignored).toEqual(["no.handler"]);
    await comm.disconnect();
  });

  it("CD-05 an input message without type crashes the consumer with InvalidMessageError", async () => {
    const comm = new WebsocketCommunicator(AsyncWebsocketConsumer.asAsgi(), "/");
    await comm.connect();
    await comm.sendInput({ text: "no type" } as unknown as ReceiveEvent);
    const error = await comm.wait().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as Error).message).toMatch(/Incoming message has no "type"/);
  });

  it("CD-06 ★ a handler raising StopConsumer ends the app cleanly", async () => {
    class Stopper extends AsyncConsumer {
      async websocket_connect() {
        throw new StopConsumer();
      }
    }
    const comm = new WebsocketCommunicator(Stopper.asAsgi(), "/");
    await comm.sendInput({ type: "websocket.connect" });
    await expect(comm.wait()).resolves.toBeUndefined();
    expect(comm.done).toBe(true);
    expect(await comm.receiveNothing()).toBe(true);
  });

  it("CD-12 a handler's exception surfaces from receiveOutput, and again from disconnect", async () => {
    class Boom extends AsyncWebsocketConsumer {
      override async receive() {
        throw new RangeError("boom");
      }
    }
    const comm = new WebsocketCommunicator(Boom.asAsgi(), "/");
    await comm.connect();
    await comm.sendTo("x");
    const error = await comm.receiveOutput().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe("boom");
    await expect(comm.disconnect()).rejects.toBe(error);
  });

  it("runs handlers one at a time: a slow handler delays the next message", async () => {
    const log: string[] = [];
    const slow = gate();
    class Serial extends AsyncWebsocketConsumer {
      override async receive(text?: string) {
        log.push(`start ${text}`);
        if (text === "slow") await slow.opened;
        log.push(`end ${text}`);
        await this.send(text!);
      }
    }
    const comm = new WebsocketCommunicator(Serial.asAsgi(), "/");
    await comm.connect();
    await comm.sendTo("slow");
    await comm.sendTo("fast");
    expect(await comm.receiveNothing(50)).toBe(true);
    expect(log).toEqual(["start slow"]);
    slow.open();
    expect(await comm.receiveFrom()).toBe("slow");
    expect(await comm.receiveFrom()).toBe("fast");
    expect(log).toEqual(["start slow", "end slow", "start fast", "end fast"]);
    await comm.disconnect();
  });

  // Django walks its sources in order after every handler (await_many_dispatch), so a layer message
  // that arrived during a slow client handler goes before the client's next frame: the real
  // Channels 4 gives ['client:block', 'layer:1', 'client:second'] for this script.
  it("after a slow client handler, serves the layer before the client's next frame, as Django does", async () => {
    const slow = gate();
    const order: string[] = [];
    class Ordered extends ChannelReporter {
      override async receive(text?: string) {
        if (text === "block") await slow.opened;
        order.push(`client:${text}`);
        await this.send(`client:${text}`);
      }
      async layer_message(message: LayerMessage) {
        order.push(`layer:${String(message.n)}`);
        await this.send(`layer:${String(message.n)}`);
      }
    }
    const { comm, channelName } = await connectReporter(Ordered);
    await comm.sendTo("block");
    await comm.sendTo("second");
    await layer().send(channelName, { type: "layer.message", n: 1 });
    slow.open();
    const got = [await comm.receiveFrom(), await comm.receiveFrom(), await comm.receiveFrom()];
    expect(got).toEqual(["client:block", "layer:1", "client:second"]);
    expect(order).toEqual(["client:block", "layer:1", "client:second"]);
    await comm.disconnect();
  });

  it("keeps per-source FIFO order for layer messages", async () => {
    class Collector extends ChannelReporter {
      async item(message: LayerMessage) {
        await this.send(String(message.n));
      }
    }
    const { comm, channelName } = await connectReporter(Collector);
    for (let i = 0; i < 5; i++) await layer().send(channelName, { type: "item", n: i });
    const got: unknown[] = [];
    for (let i = 0; i < 5; i++) got.push(await comm.receiveFrom());
    expect(got).toEqual(["0", "1", "2", "3", "4"]);
    await comm.disconnect();
  });
});

describe("reserved names (a deliberate difference from Django: framework methods are out of reach)", () => {
  it.each([
    "close",
    "send",
    "accept",
    "dispatch",
    "run",
    "handleUnknown",
    "cleanup",
    "baseSend",
    "groups",
    "connect",
    "receive",
    "disconnect",
    "leaveGroups",
    "constructor",
    "toString",
    "hasOwnProperty",
    "valueOf",
  ])("a layer message of type %j reaches handleUnknown, not the framework method", async (type) => {
    let closed = false;
    const unknown: string[] = [];
    class Guarded extends ChannelReporter {
      // Overridden framework methods stay out of reach too.
      override async close(code?: number | boolean, reason?: string) {
        closed = true;
        await super.close(code, reason);
      }
      override async handleUnknown(message: LayerMessage) {
        unknown.push(message.type);
        await this.send(`unknown:${message.type}`);
      }
    }
    const { comm, channelName } = await connectReporter(Guarded);
    await layer().send(channelName, { type });
    expect(await comm.receiveFrom()).toBe(`unknown:${type}`);
    expect(unknown).toEqual([type]);
    expect(closed).toBe(false);
    await comm.disconnect();
  });

  it("a layer message {type: 'close'} crashes a default consumer with NoHandlerError instead of closing it", async () => {
    const { comm, channelName } = await connectReporter(ChannelReporter);
    await layer().send(channelName, { type: "close" });
    const error = await comm.receiveOutput().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoHandlerError);
    expect((error as Error).message).toMatch(
      /Message type "close" .* names the framework method close\(\), which messages cannot reach/,
    );
  });

  it("protocol handlers and the user's own methods stay reachable", async () => {
    class Reachable extends ChannelReporter {
      override async receive(text?: string) {
        await this.send(`echo:${text}`);
      }
      async notify(message: LayerMessage) {
        await this.send(`notify:${String(message.text)}`);
      }
    }
    const { comm, channelName } = await connectReporter(Reachable);
    await layer().send(channelName, { type: "websocket.receive", text: "as if from the client" });
    expect(await comm.receiveFrom()).toBe("echo:as if from the client");
    await layer().send(channelName, { type: "notify", text: "x" });
    expect(await comm.receiveFrom()).toBe("notify:x");
    await comm.disconnect();
  });

  it("a user field holding a non-function value is not a handler", async () => {
    class WithField extends ChannelReporter {
      label = "not a method";
    }
    const { comm, channelName } = await connectReporter(WithField);
    await layer().send(channelName, { type: "label" });
    await expect(comm.receiveOutput()).rejects.toBeInstanceOf(NoHandlerError);
  });
});

describe("channel layer and lifecycle", () => {
  it("CD-07 ★ channelLayerAlias picks the registered layer; direct sends to the consumer's channel are dispatched", async () => {
    channelLayers.reset();
    const testLayer = new InMemoryChannelLayer();
    channelLayers.set("testlayer", testLayer);
    try {
      class OnTestLayer extends ChannelReporter {
        static override channelLayerAlias = "testlayer";
        async hello(message: LayerMessage) {
          await this.send(`hello ${String(message.name)}`);
        }
      }
      const { comm, channelName } = await connectReporter(OnTestLayer);
      expect(channelName).toMatch(/^specific\.inmemory![A-Za-z]{12}$/);
      await testLayer.send(channelName, { type: "hello", name: "testlayer" });
      expect(await comm.receiveFrom()).toBe("hello testlayer");
      await comm.disconnect();
    } finally {
      await testLayer.close();
    }
  });

  it("without a registered layer, channelLayer is null and channelName empty", async () => {
    channelLayers.reset();
    let seen: { layer: unknown; name: string } | undefined;
    class NoLayer extends AsyncWebsocketConsumer {
      override async connect() {
        seen = { layer: this.channelLayer, name: this.channelName };
        await this.accept();
      }
    }
    const comm = new WebsocketCommunicator(NoLayer.asAsgi(), "/");
    expect(await comm.connect()).toEqual({ connected: true, subprotocol: null });
    expect(seen).toEqual({ layer: null, name: "" });
    await comm.disconnect();
  });

  it("every consumer gets its own channel, and stops listening on it when it ends", async () => {
    const a = await connectReporter(ChannelReporter);
    const b = await connectReporter(ChannelReporter);
    expect(a.channelName).not.toBe(b.channelName);
    await a.comm.disconnect();
    await b.comm.disconnect();
    // Nobody listens any more: a message to the old channel is queued, not delivered.
    await layer().send(a.channelName, { type: "late" });
    expect(layer().channels.has(a.channelName)).toBe(true);
  });

  it("CD-08 ★ asAsgi() makes a fresh instance per scope", async () => {
    const instances = new Set<object>();
    class WhoAmI extends AsyncHttpConsumer {
      async handle() {
        instances.add(this);
        await this.sendResponse(200, String(instances.size));
      }
    }
    const app = WhoAmI.asAsgi();
    const first = await new HttpCommunicator(app, "GET", "/").getResponse();
    const second = await new HttpCommunicator(app, "GET", "/").getResponse();
    expect(new TextDecoder().decode(first.body)).toBe("1");
    expect(new TextDecoder().decode(second.body)).toBe("2");
    expect(instances.size).toBe(2);
  });

  it("CD-09 asAsgi(...args) records the class and args, keeps the class name and passes args to the constructor", async () => {
    class Echo extends AsyncWebsocketConsumer {
      constructor(readonly options: { foo: number }) {
        super();
      }
      override async connect() {
        await this.accept();
        await this.send(String(this.options.foo));
      }
    }
    const app = Echo.asAsgi({ foo: 1 });
    expect(app.consumerClass).toBe(Echo);
    expect(app.consumerArgs).toEqual([{ foo: 1 }]);
    expect(app.name).toBe("Echo");
    const comm = new WebsocketCommunicator(app, "/");
    await comm.connect();
    expect(await comm.receiveFrom()).toBe("1");
    await comm.disconnect();
  });

  it("CD-09 a consumer without a constructor ignores asAsgi arguments (no attribute is set)", async () => {
    let instance: AsyncWebsocketConsumer | undefined;
    class Plain extends AsyncWebsocketConsumer {
      override async connect() {
        instance = this;
        await this.accept();
      }
    }
    const app = (Plain.asAsgi as (...args: unknown[]) => ReturnType<typeof Plain.asAsgi>)({ foo: 1 });
    const comm = new WebsocketCommunicator(app, "/");
    await comm.connect();
    expect(instance).toBeInstanceOf(Plain);
    expect(instance).not.toHaveProperty("foo");
    await comm.disconnect();
  });

  it("CD-10 works with plain receive/send functions returning promises, driven without a communicator", async () => {
    class Echo extends AsyncWebsocketConsumer {
      override async receive(text?: string) {
        await this.send(text!);
      }
    }
    const inputs: ReceiveEvent[] = [
      { type: "websocket.connect" },
      { type: "websocket.receive", text: "hi" },
      { type: "websocket.disconnect", code: 1000 },
    ];
    const sent: SendEvent[] = [];
    const receive: Receive = () => Promise.resolve(inputs.shift()!);
    const send: Send = (event) => {
      sent.push(event);
      return Promise.resolve();
    };
    const scope: Scope = { type: "websocket", path: "/", query_string: "", headers: [], subprotocols: [] };
    await Echo.asAsgi()(scope, receive, send);
    expect(sent).toEqual([
      { type: "websocket.accept", subprotocol: null },
      { type: "websocket.send", text: "hi" },
    ]);
  });

  it("keeps the scope object it was given and exposes baseSend", async () => {
    let seen: Scope | undefined;
    class Raw extends AsyncConsumer {
      async websocket_connect() {
        seen = this.scope;
        await this.baseSend({ type: "websocket.accept" });
      }
    }
    const comm = new WebsocketCommunicator(Raw.asAsgi(), "/raw/");
    expect((await comm.connect()).connected).toBe(true);
    expect(seen).toBe(comm.scope);
  });

  it("a cancelled consumer (a communicator timeout) ends quietly", async () => {
    class Silent extends AsyncConsumer {
      async websocket_connect() {}
    }
    const comm = new ApplicationCommunicator(Silent.asAsgi(), {
      type: "websocket",
      path: "/",
      query_string: "",
      headers: [],
      subprotocols: [],
    });
    await comm.sendInput({ type: "websocket.connect" });
    await expect(comm.receiveOutput(50)).rejects.toMatchObject({ name: "TimeoutError" });
    await expect(comm.wait()).resolves.toBeUndefined();
    expect(comm.isCancelled).toBe(true);
  });

  it("a layer message of a type handled by the consumer is copied: mutating it does not affect the sender", async () => {
    class Mutator extends ChannelReporter {
      async mutate(message: LayerMessage) {
        (message.list as number[]).push(99);
        await this.send(JSON.stringify(message.list));
      }
    }
    const { comm, channelName } = await connectReporter(Mutator);
    const original = { type: "mutate", list: [1] };
    await layer().send(channelName, original);
    expect(await comm.receiveFrom()).toBe("[1,99]");
    expect(original.list).toEqual([1]);
    await comm.disconnect();
  });
});

describe("a consumer that uses the layer when none is registered", () => {
  it("fails with InvalidChannelLayerError naming the alias and how to register, not a TypeError on null", async () => {
    class NeedsLayer extends AsyncWebsocketConsumer {
      static override channelLayerAlias = "chat";
      override async connect() {
        await this.channelLayer!.groupAdd("room", this.channelName);
        await this.accept();
      }
    }
    expect(channelLayers.get("chat")).toBeNull();
    const comm = new WebsocketCommunicator(NeedsLayer.asAsgi(), "/");
    const error = (await comm.connect().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(InvalidChannelLayerError);
    expect(error.message).toContain('no channel layer is registered as "chat"');
    expect(error.message).toContain("serve(app, { layers: { chat:");
    expect(error.message).toContain('channelLayers.set("chat", layer)');
    expect((error.cause as Error).message).toContain("groupAdd");
  });

  it("leaves other TypeErrors alone", async () => {
    class Buggy extends AsyncWebsocketConsumer {
      static override channelLayerAlias = "nothing-here";
      override async connect() {
        const list = null as unknown as string[];
        list.push("x");
      }
    }
    const comm = new WebsocketCommunicator(Buggy.asAsgi(), "/");
    await expect(comm.connect()).rejects.toThrow(TypeError);
  });
});

describe("signal", () => {
  /** A consumer whose receive() waits on a timer that only `signal` can end, recording how it ended. */
  function makeStuck() {
    const seen: { aborted?: boolean; reason?: unknown; error?: unknown } = {};
    const started = gate();
    class Stuck extends AsyncWebsocketConsumer {
      static override channelLayerAlias = "no-such-layer";
      override async connect() {
        await this.accept();
      }
      override async receive() {
        started.open();
        try {
          await sleep(3_600_000, undefined, { signal: this.signal });
        } catch (error) {
          seen.error = error;
          seen.aborted = this.signal.aborted;
          seen.reason = this.signal.reason;
          throw error;
        }
      }
    }
    return { Stuck, seen, started };
  }

  it("fires when the client disconnects while a handler is still running, and the consumer ends quietly", async () => {
    const { Stuck, seen, started } = makeStuck();
    const comm = new WebsocketCommunicator(Stuck.asAsgi(), "/");
    await comm.connect();
    await comm.sendTo("work");
    await started.opened;
    // Before the fix the handler never returned: the disconnect waited behind it until cancelled.
    await comm.sendInput({ type: "websocket.disconnect", code: 1001 });
    await comm.wait(1000);
    expect(seen.aborted).toBe(true);
    expect((seen.error as Error).name).toBe("AbortError");
    expect(seen.reason).toBeInstanceOf(CancelledError);
    expect((seen.reason as Error).message).toMatch(/connection ended/);
  });

  it("fires when the instance is cancelled", async () => {
    const { Stuck, seen, started } = makeStuck();
    const comm = new WebsocketCommunicator(Stuck.asAsgi(), "/");
    await comm.connect();
    await comm.sendTo("work");
    await started.opened;
    comm.cancel();
    await vi.waitFor(() => expect(seen.aborted).toBe(true));
    expect(seen.reason).toBeInstanceOf(CancelledError);
  });

  it("asked for after the instance ended, it is already aborted", async () => {
    let instance: AsyncConsumer | undefined;
    class Later extends AsyncWebsocketConsumer {
      static override channelLayerAlias = "no-such-layer";
      override async connect() {
        instance = this;
        await this.accept();
      }
    }
    const comm = new WebsocketCommunicator(Later.asAsgi(), "/");
    await comm.connect();
    await comm.disconnect();
    expect(instance!.signal.aborted).toBe(true);
  });

  it("fires for an HTTP consumer whose client went away mid-handle", async () => {
    const started = gate();
    const seen: { aborted?: boolean } = {};
    class SlowPage extends AsyncHttpConsumer {
      static override channelLayerAlias = "no-such-layer";
      override async handle() {
        started.open();
        await sleep(3_600_000, undefined, { signal: this.signal }).catch((error: unknown) => {
          seen.aborted = this.signal.aborted;
          throw error;
        });
      }
    }
    const comm = new HttpCommunicator(SlowPage.asAsgi(), "GET", "/");
    await comm.sendInput({ type: "http.request", body: new Uint8Array(), more_body: false });
    await started.opened;
    await comm.sendInput({ type: "http.disconnect" });
    await comm.wait(1000);
    expect(seen.aborted).toBe(true);
  });

  it("is made only when asked for: an instance without a layer that never reads it makes no AbortController", async () => {
    const Original = globalThis.AbortController;
    let made = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        // Only the consumer's own: the test communicator makes some for its timeouts.
        if (/async-consumer\.ts:/.test(new Error().stack ?? "")) made++;
      }
    };
    try {
      class Quiet extends AsyncWebsocketConsumer {
        static override channelLayerAlias = "no-such-layer";
      }
      const comm = new WebsocketCommunicator(Quiet.asAsgi(), "/");
      await comm.connect();
      await comm.sendTo("x");
      await comm.disconnect();
      expect(made).toBe(0);
    } finally {
      globalThis.AbortController = Original;
    }
  });

  it("shares the layer receive's controller: a consumer with a layer makes one, and it fires at disconnect", async () => {
    let instance: AsyncConsumer | undefined;
    class WithLayer extends ChannelReporter {
      override async connect() {
        instance = this;
        await super.connect();
      }
    }
    const { comm } = await connectReporter(WithLayer);
    const signal = instance!.signal;
    expect(instance!.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    await comm.disconnect();
    expect(signal.aborted).toBe(true);
  });
});
