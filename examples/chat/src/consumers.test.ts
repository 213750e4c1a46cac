import { WebsocketCommunicator } from "@channels-ts/core/testing";
import { InMemoryChannelLayer } from "@channels-ts/layer-memory";
import { useChannelLayer } from "@channels-ts/test-support/vitest";
import { describe, expect, it } from "vitest";
import { websocketRoutes } from "./asgi";
import { DEFAULT_ROOM_GROUP, MAX_MESSAGE_LENGTH, MESSAGE_BURST, type ServerFrame } from "./consumers";

const layer = useChannelLayer(() => new InMemoryChannelLayer());

async function join(path: string): Promise<WebsocketCommunicator> {
  const client = new WebsocketCommunicator(websocketRoutes, path);
  const { connected } = await client.connect();
  expect(connected).toBe(true);
  // The envelope's hello comes first: the page's @channels-ts/client then knows requests work.
  expect(await client.receiveJsonFrom()).toEqual({ $ch: "hello", v: 1 });
  return client;
}

const next = async (client: WebsocketCommunicator) => (await client.receiveJsonFrom()) as ServerFrame;

describe("ChatConsumer", () => {
  it("speaks the tutorial's protocol on /ws/chat/: a message reaches everyone in the room", async () => {
    const alice = await join("/ws/chat/?name=Alice");
    expect(await next(alice)).toMatchObject({ type: "join", name: "Alice" });
    const bob = await join("/ws/chat/?name=Bob");
    expect(await next(alice)).toMatchObject({ type: "join", name: "Bob" });
    expect(await next(bob)).toMatchObject({ type: "join", name: "Bob" });

    await alice.sendJsonTo({ message: "hello" });
    for (const client of [alice, bob]) {
      expect(await next(client)).toMatchObject({ type: "chat", message: "hello", name: "Alice" });
    }
    await alice.disconnect();
    expect(await next(bob)).toMatchObject({ type: "leave", name: "Alice" });
    await bob.disconnect();
    expect(layer().groups.size).toBe(0);
  });

  it("keeps rooms apart", async () => {
    const red = await join("/ws/chat/red/");
    const blue = await join("/ws/chat/blue/");
    await next(red);
    await next(blue);
    await red.sendJsonTo({ message: "only red" });
    expect(await next(red)).toMatchObject({ type: "chat", message: "only red", name: "anonymous" });
    expect(await blue.receiveNothing()).toBe(true);
    expect([...layer().groups.keys()].sort()).toEqual(["chat_blue", "chat_red"]);
    await red.disconnect();
    await blue.disconnect();
  });

  it.each([
    ["not JSON", "{oops", /must be JSON/],
    ["JSON without a message", '{"text": "hi"}', /"message" string/],
    ["a non-string message", '{"message": 42}', /"message" string/],
    ["an empty message", '{"message": "  "}', /Empty messages/],
    [
      "a too long message",
      JSON.stringify({ message: "x".repeat(MAX_MESSAGE_LENGTH + 1) }),
      /limited to 1000/,
    ],
  ])("answers %s with an error frame and stays connected", async (_what, frame, error) => {
    const client = await join("/ws/chat/");
    await next(client);
    await client.sendTo(frame);
    const reply = await next(client);
    expect(reply.type).toBe("error");
    expect((reply as { error: string }).error).toMatch(error);
    await client.sendJsonTo({ message: "still here" });
    expect(await next(client)).toMatchObject({ type: "chat", message: "still here" });
    await client.disconnect();
  });

  it("answers a binary frame with an error frame", async () => {
    const client = await join("/ws/chat/");
    await next(client);
    await client.sendTo(new Uint8Array([1, 2, 3]));
    expect(await next(client)).toMatchObject({ type: "error" });
    await client.disconnect();
  });

  it("passes HTML through as data: rendering it as text is the page's job", async () => {
    const client = await join("/ws/chat/");
    await next(client);
    await client.sendJsonTo({ message: "<img src=x onerror=alert(1)>" });
    expect(await next(client)).toMatchObject({ message: "<img src=x onerror=alert(1)>" });
    await client.disconnect();
  });

  it("cleans display names: control characters go, long names are cut, none is anonymous", async () => {
    const client = await join(`/ws/chat/?name=${encodeURIComponent(`A\u0007${"b".repeat(60)}`)}`);
    const joined = await next(client);
    expect(joined).toMatchObject({ type: "join" });
    expect((joined as { name: string }).name).toBe(`A${"b".repeat(39)}`);
    await client.disconnect();
  });

  it("renames on request, tells the room, and refuses a name taken in the room with a reason", async () => {
    const ada = await join("/ws/chat/names/?name=Ada");
    await next(ada);
    const bob = await join("/ws/chat/names/?name=Bob");
    await next(ada);
    await next(bob);
    await bob.sendJsonTo({ $ch: "req", id: 1, data: { rename: "Ada" } });
    expect(await bob.receiveJsonFrom()).toEqual({
      $ch: "err",
      id: 1,
      error: "The name “Ada” is taken in this room; choose another.",
    });
    await bob.sendJsonTo({ $ch: "req", id: 2, data: { rename: "  Grace\u0007 " } });
    expect(await bob.receiveJsonFrom()).toEqual({ $ch: "res", id: 2, data: { name: "Grace" } });
    expect(await next(ada)).toMatchObject({ type: "rename", from: "Bob", name: "Grace" });
    expect(await next(bob)).toMatchObject({ type: "rename", from: "Bob", name: "Grace" });
    // Bob's old name is free again; messages carry the new one.
    await ada.sendJsonTo({ $ch: "req", id: 1, data: { rename: "Bob" } });
    expect(await ada.receiveJsonFrom()).toEqual({ $ch: "res", id: 1, data: { name: "Bob" } });
    await next(ada);
    await next(bob);
    await bob.sendJsonTo({ message: "hi" });
    expect(await next(ada)).toMatchObject({ type: "chat", name: "Grace", message: "hi" });
    await next(bob);
    await bob.sendJsonTo({ $ch: "req", id: 3, data: { rename: "\u0007" } });
    expect(await bob.receiveJsonFrom()).toMatchObject({ $ch: "err", id: 3 });
    await ada.disconnect();
    await bob.disconnect();
  });

  it("strips format characters from names: bidi overrides, isolates, zero-width", async () => {
    const disguised = "\u202Eevil\u202C\u2066x\u2069\u200B\u200D\uFEFFname\u2028";
    const client = await join(`/ws/chat/?name=${encodeURIComponent(disguised)}`);
    expect(await next(client)).toMatchObject({ type: "join", name: "evilxname" });
    await client.disconnect();
    const onlyFormat = await join(`/ws/chat/?name=${encodeURIComponent("\u202E\u200B")}`);
    expect(await next(onlyFormat)).toMatchObject({ type: "join", name: "anonymous" });
    await onlyFormat.disconnect();
  });

  it("no room shares the default room's group: /ws/chat/chat_room/ is a room of its own", async () => {
    const lobby = await join("/ws/chat/");
    await next(lobby);
    const lookalike = await join("/ws/chat/chat_room/");
    await next(lookalike);
    expect(await lobby.receiveNothing()).toBe(true);
    expect([...layer().groups.keys()].sort()).toEqual([DEFAULT_ROOM_GROUP, "chat_chat_room"].sort());
    await lookalike.sendJsonTo({ message: "hi" });
    expect(await next(lookalike)).toMatchObject({ type: "chat", message: "hi" });
    expect(await lobby.receiveNothing()).toBe(true);
    await lobby.disconnect();
    await lookalike.disconnect();
  });

  it("rate limits each connection: past the burst a message gets an error frame and is not sent", async () => {
    const flooder = await join("/ws/chat/flood/");
    await next(flooder);
    const other = await join("/ws/chat/flood/");
    await next(flooder);
    await next(other);
    const total = MESSAGE_BURST * 3;
    for (let i = 0; i < total; i++) await flooder.sendJsonTo({ message: `m${i}` });
    const replies: ServerFrame[] = [];
    for (let i = 0; i < total; i++) replies.push(await next(flooder));
    const sent = replies.filter((r) => r.type === "chat").length;
    const refused = replies.filter((r) => r.type === "error");
    // The bucket refills at 5 a second: however slow this machine, far fewer than 30 pass.
    expect(sent).toBeGreaterThanOrEqual(MESSAGE_BURST);
    expect(sent).toBeLessThan(total);
    expect((refused[0] as { error: string }).error).toMatch(/Slow down: at most 5 messages a second/);
    // The other connection got exactly what was sent, and can still talk.
    const seen: ServerFrame[] = [];
    for (let i = 0; i < sent; i++) seen.push(await next(other));
    expect(seen.every((f) => f.type === "chat")).toBe(true);
    await other.sendJsonTo({ message: "mine" });
    expect(await next(other)).toMatchObject({ type: "chat", message: "mine" });
    await flooder.disconnect();
    await other.disconnect();
  });

  it("refuses unknown paths", async () => {
    const client = new WebsocketCommunicator(websocketRoutes, "/ws/elsewhere/");
    await expect(client.connect()).rejects.toThrow(/No route found/);
  });
});
