import { ImproperlyConfigured, RouteNotFound } from "../exceptions";
import type { Application, Scope } from "../protocol/types";
import { requireApplications } from "./protocol-type-router";

/** Routes worker scopes by channel name: `ChannelNameRouter({ "thumbnails-generate": app })`. */
export function ChannelNameRouter(mapping: Record<string, Application>): Application {
  requireApplications(mapping, "ChannelNameRouter");
  return async function channelNameRouter(scope: Scope, receive, send) {
    const channel = (scope as { channel?: unknown }).channel;
    if (typeof channel !== "string") {
      throw new ImproperlyConfigured(
        `ChannelNameRouter got a "${scope.type}" scope without a "channel" key. Use it only for "channel" scopes, e.g. inside ProtocolTypeRouter({ channel: ChannelNameRouter({...}) }).`,
      );
    }
    const app = Object.hasOwn(mapping, channel) ? mapping[channel] : undefined;
    if (!app) {
      throw new RouteNotFound(
        `No application configured for channel name "${channel}": add it to ChannelNameRouter({ "${channel}": ... }).`,
      );
    }
    return app(scope, receive, send);
  };
}
