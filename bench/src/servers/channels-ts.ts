// channels-ts serving the Django tutorial's ChatConsumer on the in-memory or the Redis layer:
// `channels-ts.ts memory` or `channels-ts.ts redis redis://127.0.0.1:6379`; a third argument
// `metrics` records every metric into a prom-client registry (the cost of metrics, in echo).
import {
  AsyncWebsocketConsumer,
  type ChannelLayer,
  ProtocolTypeRouter,
  path,
  URLRouter,
  useMetrics,
} from "@channels-ts/core";
import { serve } from "@channels-ts/core/server";
import { InMemoryChannelLayer } from "@channels-ts/layer-memory";
import { RedisChannelLayer } from "@channels-ts/layer-redis";
import { PrometheusMetrics } from "@channels-ts/metrics/prometheus";
import { Registry } from "prom-client";
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

const [kind, redisUrl, metrics] = process.argv.slice(2);
const layer: ChannelLayer =
  kind === "redis" ? new RedisChannelLayer({ hosts: [redisUrl!] }) : new InMemoryChannelLayer();
if (metrics === "metrics") useMetrics(new PrometheusMetrics({ registry: new Registry() }));
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
