import { ImproperlyConfigured, RouteNotFound } from "../exceptions";
import type { Application, Scope, ScopeType } from "../protocol/types";

/** One application per scope type; types left out are refused with `RouteNotFound`. */
export type ProtocolTypeMapping = Partial<Record<ScopeType, Application>>;

export function requireApplications(mapping: Record<string, unknown>, router: string): void {
  if (typeof mapping !== "object" || mapping === null) {
    throw new ImproperlyConfigured(`${router} takes an object mapping names to applications.`);
  }
  for (const [key, app] of Object.entries(mapping)) {
    if (typeof app !== "function") {
      throw new ImproperlyConfigured(
        `${router}: "${key}" must be an application (an async function, or Consumer.asAsgi()); got ${app === null ? "null" : typeof app}.`,
      );
    }
  }
}

/** Routes a connection by `scope.type`: `ProtocolTypeRouter({ http: ..., websocket: ... })`. */
export function ProtocolTypeRouter(mapping: ProtocolTypeMapping): Application {
  requireApplications(mapping, "ProtocolTypeRouter");
  return async function protocolTypeRouter(scope: Scope, receive, send) {
    const type = (scope as { type?: unknown }).type;
    if (typeof type !== "string") {
      throw new RouteNotFound(
        'ProtocolTypeRouter got a scope without a "type"; scopes must say "http", "websocket", "lifespan" or "channel".',
      );
    }
    // Own keys only: a scope type such as "toString" must not reach Object.prototype.
    const app = Object.hasOwn(mapping, type) ? mapping[type as ScopeType] : undefined;
    if (!app) {
      throw new RouteNotFound(
        `No application configured for scope type "${type}": add it to ProtocolTypeRouter({ ${type}: ... }).`,
      );
    }
    return app(scope, receive, send);
  };
}
