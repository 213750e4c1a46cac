// channels-ts serving the Django tutorial's ChatConsumer on the in-memory or the Redis layer:
// `channels-ts.ts memory` or `channels-ts.ts redis redis://127.0.0.1:6379`.
import {
  AsyncWebsocketConsumer,
  type ChannelLayer,
  ProtocolTypeRouter,
  path,
  URLRouter,
} from "@channels-ts/core";
import { serve } from "@channels-ts/core/server";
import { InMemoryChannelLayer } from "@channels-ts/layer-memory";
import { RedisChannelLayer } from "@channels-ts/layer-redis";
import { announce } from "./control";

/** The tutorial's consumer (chat/consumers.py), line by line: one group per room. */
class ChatConsumer extends AsyncWebsocketConsumer {
  roomGroupName = "";
  async connect() {
    this.roomGroupName = `chat_${this.scope.url_route!.kwargs.room_name}`;
    await this.channelLayer!.groupAdd(this.roomGroupName, this.channelName);
    await this.accept();
  }
  async disconnect(_code: number) {
    await this.channelLayer!.groupDiscard(this.roomGroupName, this.channelName);
  }
  async receive(textData?: string) {
    const { message } = JSON.parse(textData!);
    await this.channelLayer!.groupSend(this.roomGroupName, { type: "chat.message", message });
  }
  async chat_message(event: { message: string }) {
    await this.send(JSON.stringify({ message: event.message }));
  }
}

const [kind, redisUrl] = process.argv.slice(2);
const layer: ChannelLayer =
  kind === "redis" ? new RedisChannelLayer({ hosts: [redisUrl!] }) : new InMemoryChannelLayer();
const application = ProtocolTypeRouter({
  websocket: URLRouter([path("ws/chat/<str:room_name>/", ChatConsumer.asAsgi())]),
});
const running = await serve(application, {
  host: "127.0.0.1",
  port: 0,
  layers: { default: layer },
  logger: null,
});
announce(running.port, () => running.close());
