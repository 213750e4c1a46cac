import type { ConnectionScope } from "../middleware/connection-scope";
import { copyScope } from "../protocol/copy-scope";
import { withoutQueryParams } from "../protocol/query-string";

/** Where a client can put its token. */
export type TokenCarrier = "header" | "subprotocol" | "query";

/** A token found in a request, and where. */
export interface FoundToken {
  token: string;
  carrier: TokenCarrier;
}

const BEARER = /^bearer[ \t]+(\S+)\s*$/i;

/** `Authorization: Bearer <token>`. */
export function tokenFromHeader(scope: ConnectionScope): string | null {
  for (const [name, value] of scope.headers) {
    if (name === "authorization") return BEARER.exec(value)?.[1] ?? null;
  }
  return null;
}

/** `?<param>=<token>` in the query string. */
export function tokenFromQuery(scope: ConnectionScope, param: string): string | null {
  const value = new URLSearchParams(scope.query_string ?? "").get(param);
  return value ? value : null;
}

/** An offered WebSocket subprotocol `<prefix><token>`, e.g. `bearer.eyJhbGci…`. */
export function tokenFromSubprotocol(scope: ConnectionScope, prefix: string): string | null {
  if (scope.type !== "websocket") return null;
  const entry = scope.subprotocols.find(
    (protocol) => protocol.startsWith(prefix) && protocol.length > prefix.length,
  );
  return entry === undefined ? null : entry.slice(prefix.length);
}

/**
 * The scope without the token subprotocol, so the consumer never echoes the token back as the
 * accepted subprotocol and it does not linger in `headers`.
 */
export function withoutTokenSubprotocol<S extends ConnectionScope>(scope: S, prefix: string): S {
  if (scope.type !== "websocket") return scope;
  const isToken = (protocol: string) => protocol.startsWith(prefix) && protocol.length > prefix.length;
  if (!scope.subprotocols.some(isToken)) return scope;
  const headers = scope.headers
    .map(([name, value]): [string, string] =>
      name === "sec-websocket-protocol"
        ? [
            name,
            value
              .split(",")
              .map((part) => part.trim())
              .filter((part) => part !== "" && !isToken(part))
              .join(", "),
          ]
        : [name, value],
    )
    .filter(([name, value]) => name !== "sec-websocket-protocol" || value !== "");
  return copyScope(scope, { subprotocols: scope.subprotocols.filter((p) => !isToken(p)), headers });
}

/**
 * The scope without the `?<param>=` token, so the consumer never logs, stores or forwards it with
 * the query string (the server's own log lines redact it with `redactQueryParams`).
 */
export function withoutTokenQuery<S extends ConnectionScope>(scope: S, param: string): S {
  const query = scope.query_string ?? "";
  const stripped = withoutQueryParams(query, [param]);
  return stripped === query ? scope : copyScope(scope, { query_string: stripped });
}

/** The first token found, looking in `carriers` in order. */
export function findToken(
  scope: ConnectionScope,
  carriers: readonly TokenCarrier[],
  queryParam: string,
  subprotocolPrefix: string,
): FoundToken | null {
  for (const carrier of carriers) {
    const token =
      carrier === "header"
        ? tokenFromHeader(scope)
        : carrier === "query"
          ? tokenFromQuery(scope, queryParam)
          : tokenFromSubprotocol(scope, subprotocolPrefix);
    if (token !== null) return { token, carrier };
  }
  return null;
}
