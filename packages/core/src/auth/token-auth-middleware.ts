import { ImproperlyConfigured } from "../exceptions";
import { type ConnectionScope, isConnectionScope } from "../middleware/connection-scope";
import { keepPathRouting } from "../middleware/path-routing";
import { requireApplication } from "../middleware/require-application";
import { copyScope } from "../protocol/copy-scope";
import type { Application, Receive, Scope, Send } from "../protocol/types";
import { denyConnection } from "../security/denial";
import { AnonymousUser, isAuthenticated } from "./anonymous-user";
import type { Awaitable } from "./auth-options";
import { findToken, type TokenCarrier, withoutTokenQuery, withoutTokenSubprotocol } from "./token-carriers";

/** What `verify` gets besides the token. */
export interface TokenContext {
  scope: ConnectionScope;
  /** Where the token was found. */
  carrier: TokenCarrier;
}

/** Options of `TokenAuthMiddleware`. */
export interface TokenAuthOptions<User> {
  /**
   * Checks a token and returns its user, or `null`/`undefined` when it is invalid or expired.
   * Return `null` for bad tokens rather than throwing: a thrown error is a server error (500).
   */
  verify(token: string, context: TokenContext): Awaitable<User | null | undefined>;
  /**
   * Where to look for the token, first match wins: `"header"` (`Authorization: Bearer <token>`),
   * `"subprotocol"` (an offered WebSocket subprotocol `bearer.<token>`, removed from
   * `scope.subprotocols` before your consumer sees it), `"query"` (`?token=<token>`, removed from
   * `scope.query_string` before your consumer sees it; the server's logs redact it, see its
   * `redactQueryParams` option; browsers and proxies may still record URLs, so prefer the others). @default ["header", "subprotocol", "query"]
   */
  carriers?: readonly TokenCarrier[];
  /** Query-string parameter of the `"query"` carrier. @default "token" */
  queryParam?: string;
  /** Subprotocol prefix of the `"subprotocol"` carrier. @default "bearer." */
  subprotocolPrefix?: string;
  /** Refuse connections that bring no token, instead of letting them in as `AnonymousUser`. @default false */
  required?: boolean;
  /** What a rejected token gets: refused with 401, or let in as `AnonymousUser`. @default "deny" */
  onInvalidToken?: "deny" | "anonymous";
}

const ALL_CARRIERS: readonly TokenCarrier[] = ["header", "subprotocol", "query"];
const UNAUTHORIZED = { status: 401, headers: [["www-authenticate", "Bearer"]] as [string, string][] };

function validate<User>(options: TokenAuthOptions<User>): Required<Omit<TokenAuthOptions<User>, "verify">> {
  if (options === null || typeof options !== "object" || typeof options.verify !== "function") {
    throw new ImproperlyConfigured(
      "TokenAuthMiddleware needs a verify callback: TokenAuthMiddleware(app, { verify: async (token) => userOrNull }).",
    );
  }
  const carriers = options.carriers ?? ALL_CARRIERS;
  if (!Array.isArray(carriers) || carriers.length === 0 || carriers.some((c) => !ALL_CARRIERS.includes(c))) {
    throw new ImproperlyConfigured(
      `TokenAuthMiddleware carriers must be a non-empty list of "header", "subprotocol" and "query"; got ${JSON.stringify(carriers)}.`,
    );
  }
  const onInvalidToken = options.onInvalidToken ?? "deny";
  if (onInvalidToken !== "deny" && onInvalidToken !== "anonymous") {
    throw new ImproperlyConfigured(
      `onInvalidToken must be "deny" or "anonymous"; got ${JSON.stringify(onInvalidToken)}.`,
    );
  }
  const subprotocolPrefix = options.subprotocolPrefix ?? "bearer.";
  const queryParam = options.queryParam ?? "token";
  if (subprotocolPrefix === "" || queryParam === "") {
    throw new ImproperlyConfigured("TokenAuthMiddleware queryParam and subprotocolPrefix cannot be empty.");
  }
  return { carriers, onInvalidToken, subprotocolPrefix, queryParam, required: options.required ?? false };
}

/**
 * Authenticates clients that cannot send cookies (mobile apps, scripts, other servers) by a bearer
 * token, checked by your `verify`, and sets `scope.user`. A connection already authenticated by an
 * outer `AuthMiddleware` is left as it is. Refusals are 401 responses (or a close before accept
 * where the server has no denial responses).
 */
export function TokenAuthMiddleware<User>(inner: Application, options: TokenAuthOptions<User>): Application {
  requireApplication(inner, "TokenAuthMiddleware");
  const settings = validate(options);
  const app = async (scope: Scope, receive: Receive, send: Send): Promise<void> => {
    if (!isConnectionScope(scope)) return inner(scope, receive, send);
    let innerScope = settings.carriers.includes("subprotocol")
      ? withoutTokenSubprotocol(copyScope(scope), settings.subprotocolPrefix)
      : copyScope(scope);
    if (settings.carriers.includes("query")) innerScope = withoutTokenQuery(innerScope, settings.queryParam);
    if (isAuthenticated(innerScope.user)) return inner(innerScope, receive, send);
    const found = findToken(scope, settings.carriers, settings.queryParam, settings.subprotocolPrefix);
    if (found === null) {
      if (settings.required)
        return denyConnection(scope, receive, send, { ...UNAUTHORIZED, body: "Token required" });
      innerScope.user = new AnonymousUser();
      return inner(innerScope, receive, send);
    }
    const user = await options.verify(found.token, { scope, carrier: found.carrier });
    if (user === null || user === undefined) {
      if (settings.onInvalidToken === "deny") {
        return denyConnection(scope, receive, send, { ...UNAUTHORIZED, body: "Invalid token" });
      }
      innerScope.user = new AnonymousUser();
    } else {
      innerScope.user = user;
    }
    return inner(innerScope, receive, send);
  };
  return keepPathRouting(app, inner);
}
