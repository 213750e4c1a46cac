import { ImproperlyConfigured } from "../exceptions";
import { keepPathRouting } from "../middleware/path-routing";
import { requireApplication } from "../middleware/require-application";
import type { Application, Headers, Receive, Scope, Send } from "../protocol/types";
import { type DenialResponse, denyConnection } from "./denial";
import { type OriginPattern, originMatches, parseOrigin, parseOriginPattern } from "./origin-pattern";

/** Options of `OriginValidator` and `AllowedHostsOriginValidator`. */
export interface OriginValidatorOptions {
  /** The refusal a foreign origin gets. @default { status: 403, body: "Forbidden: origin not allowed" } */
  denial?: DenialResponse;
}

/** Options of `AllowedHostsOriginValidator`. */
export interface AllowedHostsOriginValidatorOptions extends OriginValidatorOptions {
  /**
   * Local development (Django's `DEBUG`): an empty host list then allows `localhost`, `127.0.0.1`
   * and `[::1]`. Without it an empty list is `ImproperlyConfigured`, so a production server never
   * admits local pages by accident. Set it from your environment, e.g.
   * `process.env.NODE_ENV !== "production"`.
   * @default false
   */
  development?: boolean;
}

/** Hosts `AllowedHostsOriginValidator` allows when given none in development. */
const LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"] as const;

function lastOrigin(headers: Headers): string | undefined {
  let origin: string | undefined;
  for (const [name, value] of headers) if (name === "origin") origin = value;
  return origin;
}

function parsePatterns(allowed: readonly string[], factory: string): OriginPattern[] {
  if (!Array.isArray(allowed)) {
    throw new ImproperlyConfigured(
      `${factory} takes a list of allowed origins, e.g. ${factory}(app, ["example.com", "https://app.example.com"]); got ${typeof allowed}.`,
    );
  }
  return allowed.map(parseOriginPattern);
}

function buildValidator(
  inner: Application,
  allowed: readonly string[],
  options: OriginValidatorOptions,
  factory: string,
): Application {
  const patterns = parsePatterns(allowed, factory);
  const allowAll = allowed.includes("*");
  const denial = options.denial ?? { status: 403, body: "Forbidden: origin not allowed" };
  const app = async (scope: Scope, receive: Receive, send: Send): Promise<void> => {
    if (scope.type !== "websocket") {
      throw new ImproperlyConfigured(
        `${factory} only checks WebSocket connections; got a "${scope.type}" scope. Wrap only the websocket ` +
          `entry: ProtocolTypeRouter({ websocket: ${factory}(...) }).`,
      );
    }
    const header = lastOrigin(scope.headers ?? []);
    const origin = parseOrigin(header);
    // No Origin at all (not a browser) passes only under "*"; an unparseable one never does.
    const allowedHere =
      header === undefined
        ? allowAll
        : allowAll || (origin !== null && patterns.some((p) => originMatches(p, origin)));
    if (allowedHere) return inner(scope, receive, send);
    return denyConnection(scope, receive, send, denial);
  };
  return keepPathRouting(app, inner);
}

/**
 * Refuses WebSocket handshakes whose `Origin` header is not in `allowedOrigins`, so other sites'
 * pages cannot open sockets with your users' cookies. Entries: `"*"`, `"example.com"` (any scheme
 * and port), `".example.com"` (domain and subdomains), `"*.example.com"` (subdomains),
 * `"example.com:8080"`, `"https://example.com"` (scheme and its default port must match too).
 * Refused connections get a 403 (see `OriginValidatorOptions.denial`).
 */
export function OriginValidator(
  application: Application,
  allowedOrigins: readonly string[],
  options: OriginValidatorOptions = {},
): Application {
  requireApplication(application, "OriginValidator");
  return buildValidator(application, allowedOrigins, options, "OriginValidator");
}

/**
 * `OriginValidator` fed with your allowed host names (Django's `ALLOWED_HOSTS`): the `Origin` must
 * name one of them, on any scheme and port. An empty list allows only local development hosts
 * (`localhost`, `127.0.0.1`, `[::1]`) with `{ development: true }`, as Django does in DEBUG; without
 * it an empty list throws `ImproperlyConfigured`.
 */
export function AllowedHostsOriginValidator(
  application: Application,
  allowedHosts: readonly string[],
  options: AllowedHostsOriginValidatorOptions = {},
): Application {
  requireApplication(application, "AllowedHostsOriginValidator");
  if (!Array.isArray(allowedHosts)) {
    throw new ImproperlyConfigured(
      `AllowedHostsOriginValidator takes a list of host names, e.g. ["example.com", ".example.com"]; got ${typeof allowedHosts}.`,
    );
  }
  for (const host of allowedHosts) {
    if (typeof host === "string" && host.includes("://")) {
      throw new ImproperlyConfigured(
        `AllowedHostsOriginValidator takes host names, not origins: ${JSON.stringify(host)}. ` +
          "Drop the scheme, or use OriginValidator(app, origins) to match schemes too.",
      );
    }
  }
  if (allowedHosts.length === 0 && options.development !== true) {
    throw new ImproperlyConfigured(
      "AllowedHostsOriginValidator got no host names, so it would refuse every page. List the hosts your " +
        'pages are served from (e.g. ["chat.example.com"]), or pass { development: true } to allow localhost, ' +
        "127.0.0.1 and [::1] during local development (Django allows them only with DEBUG).",
    );
  }
  const hosts = allowedHosts.length === 0 ? LOCAL_HOSTS : allowedHosts;
  return buildValidator(application, hosts, options, "AllowedHostsOriginValidator");
}
