// The tutorial's ChatConsumer on the in-memory layer, through the communicator.
import { InMemoryChannelLayer } from "@channels-ts/core/layers";
import { WebsocketCommunicator } from "@channels-ts/core/testing";
import { expect, it } from "vitest";
import { ChatConsumer } from "./fixtures/chat-consumer";
import { useChannelLayer } from "./support/layers";

const layer = useChannelLayer(() => new InMemoryChannelLayer());

it("delivers a message from one client to both, and empties the group on disconnect", async () => {
  const app = ChatConsumer.asAsgi();
  const alice = new WebsocketCommunicator(app, "/ws/chat/");
  const bob = new WebsocketCommunicator(app, "/ws/chat/");
  expect((await alice.connect()).connected).toBe(true);
  expect((await bob.connect()).connected).toBe(true);
  expect(layer().groups.get("chat_chat_room")?.size).toBe(2);

  await alice.sendTo(JSON.stringify({ message: "hello" }));
  expect(await alice.receiveFrom()).toBe('{"message":"hello"}');
  expect(await bob.receiveFrom()).toBe('{"message":"hello"}');
  expect(await alice.receiveNothing()).toBe(true);

  await alice.disconnect();
  await bob.disconnect();
  expect(layer().groups.has("chat_chat_room")).toBe(false);
});
