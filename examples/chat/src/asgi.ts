import {
  AllowedHostsOriginValidator,
  type Application,
  ProtocolTypeRouter,
  path,
  rePath,
  URLRouter,
} from "@channels-ts/core";
import { ChatConsumer } from "./consumers";
import { ChatPageConsumer, NotFoundConsumer, RedirectConsumer, StaticConsumer } from "./views";

/** The WebSocket routes: the seed's single room, and the tutorial's rooms. */
export const websocketRoutes = URLRouter([
  path("ws/chat/", ChatConsumer.asAsgi()),
  path("ws/chat/<slug:room>/", ChatConsumer.asAsgi()),
]);

/**
 * The chat application: pages over HTTP, chat over WebSockets. WebSockets from pages served by
 * other sites are refused (their `Origin` is not one of `allowedHosts`).
 */
export function chatApplication(allowedHosts: string[]): Application {
  return ProtocolTypeRouter({
    http: URLRouter([
      path("", RedirectConsumer.asAsgi()),
      path("chat/", ChatPageConsumer.asAsgi()),
      path("chat/<slug:room>/", ChatPageConsumer.asAsgi()),
      path("static/<str:file>", StaticConsumer.asAsgi()),
      rePath(/.*/, NotFoundConsumer.asAsgi()),
    ]),
    websocket: AllowedHostsOriginValidator(websocketRoutes, allowedHosts),
  });
}
