import { describe, expect, it } from "vitest";
import { InMemoryChannelLayer } from "../../src/layers/in-memory-layer";
import { channelLayers } from "../../src/layers/registry";
import { ProtocolTypeRouter, path, URLRouter } from "../../src/routing/index";
import { ChatConsumer } from "../fixtures/chat-consumer";
import { connect, NewsEvents, Recorder, start, within } from "./helpers";

const disconnects = new Recorder();

/** Server-sent events that record the client leaving. */
class Events extends NewsEvents {
  override async disconnect() {
    disconnects.scopes.push(this.scope);
    disconnects.poke();
  }
}

const application = ProtocolTypeRouter({
  http: URLRouter([path("events/", Events.asAsgi())]),
  websocket: URLRouter([path("ws/chat/", ChatConsumer.asAsgi())]),
});

describe("consumer classes over the real server", () => {
  it("the seed's ChatConsumer fans a message out to every member of the room", async () => {
    const layer = new InMemoryChannelLayer();
    const server = await start(application, { layers: { default: layer } }, { lifespan: true });
    expect(channelLayers.get("default")).toBe(layer);
    const clients = await Promise.all([1, 2, 3].map(() => connect(`${server.wsUrl}/ws/chat/`)));
    clients[0]?.ws.send(JSON.stringify({ message: "hello room" }));
    for (const client of clients) expect(JSON.parse(await client.text(0))).toEqual({ message: "hello room" });
    clients[2]?.ws.close();
    await clients[2]?.closed;
    await server.close();
    for (const client of clients.slice(0, 2)) expect((await client.closed).code).toBe(1001);
  });

  it("an AsyncHttpConsumer streams layer messages as server-sent events until the client leaves", async () => {
    const layer = new InMemoryChannelLayer();
    const server = await start(application, { layers: { default: layer } }, { lifespan: true });
    const controller = new AbortController();
    const response = await fetch(`${server.url}/events/`, { signal: controller.signal });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (needle: string) => {
      for (let i = 0; i < 20 && !text.includes(needle); i++) {
        const { value, done } = await within(reader.read());
        if (done) break;
        text += decoder.decode(value);
      }
      expect(text).toContain(needle);
    };
    await readUntil("event: ready");
    await layer.groupSend("news", { type: "news.item", text: "first" });
    await readUntil("data: first");
    await layer.groupSend("news", { type: "news.item", text: "second" });
    await readUntil("data: second");
    controller.abort();
    await disconnects.until(() => disconnects.scopes.length === 1, "SSE disconnect");
  });
});
