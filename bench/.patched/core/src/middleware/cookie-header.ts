import { parseCookie, stringifySetCookie } from "cookie";
import type { Headers } from "../protocol/types";

/** A `SameSite` value, in any case Django or the browser spells it. */
export type SameSite = "strict" | "lax" | "none" | "Strict" | "Lax" | "None";

/** Attributes of a `Set-Cookie` header. */
export interface SetCookieOptions {
  /**
   * Lifetime in milliseconds: sets `Max-Age` (in whole seconds) and a matching `Expires`, as Django
   * does. Omit it for a cookie that ends with the browser session.
   */
  maxAgeMs?: number;
  /** Absolute expiry, used when `maxAgeMs` is not given. */
  expires?: Date;
  /** @default "/" */
  path?: string;
  /** Share the cookie with subdomains, e.g. `"example.com"`. @default the exact host that set it */
  domain?: string;
  /** Only send the cookie over HTTPS. @default false */
  secure?: boolean;
  /** Hide the cookie from page scripts. @default false */
  httpOnly?: boolean;
  /** `SameSite` attribute; `false` leaves it out. `"none"` needs `secure: true`. @default "lax" */
  sameSite?: SameSite | false;
}

/** An event that can carry response headers (`http.response.start`, `websocket.accept`, …). */
export interface HeaderCarrier {
  headers?: Headers;
}

/** Parses every `cookie` header of a request (HTTP/2 may split them) into name → value; first value wins. */
export function parseCookieHeaders(headers: Headers): Record<string, string> {
  const joined = headers
    .filter(([name]) => name === "cookie")
    .map(([, value]) => value)
    .join("; ");
  return parseCookie(joined, { decode: decodeCookieValue }) as Record<string, string>;
}

function decodeCookieValue(raw: string): string {
  // Quoted values (`b="x y"`) lose their quotes, as in Django's parse_cookie.
  const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Returns `sameSite` lower-cased, or throws saying which values work. */
export function normalizeSameSite(
  sameSite: unknown,
  secure: boolean | undefined,
): "strict" | "lax" | "none" | false {
  if (sameSite === false) return false;
  const lower = typeof sameSite === "string" ? sameSite.toLowerCase() : sameSite;
  if (lower !== "strict" && lower !== "lax" && lower !== "none") {
    throw new TypeError(
      `sameSite must be "strict", "lax" or "none" (or false to leave the attribute out); got ${JSON.stringify(sameSite)}.`,
    );
  }
  if (lower === "none" && !secure) {
    throw new TypeError(
      'sameSite: "none" needs secure: true; browsers drop SameSite=None cookies that are not Secure.',
    );
  }
  return lower;
}

/** Renders one `Set-Cookie` header value. */
export function renderSetCookie(name: string, value: string, options: SetCookieOptions = {}): string {
  const sameSite = normalizeSameSite(options.sameSite ?? "lax", options.secure);
  const { maxAgeMs } = options;
  if (maxAgeMs !== undefined && !(Number.isFinite(maxAgeMs) && maxAgeMs >= 0)) {
    throw new TypeError(`maxAgeMs must be a number of milliseconds, 0 or more; got ${String(maxAgeMs)}.`);
  }
  try {
    return stringifySetCookie({
      name,
      value,
      path: options.path ?? "/",
      domain: options.domain,
      secure: options.secure,
      httpOnly: options.httpOnly,
      sameSite: sameSite === false ? undefined : sameSite,
      ...(maxAgeMs !== undefined
        ? // Max-Age=0 deletes; the epoch as Expires tells old browsers the same.
          {
            maxAge: Math.floor(maxAgeMs / 1000),
            expires: new Date(maxAgeMs === 0 ? 0 : Date.now() + maxAgeMs),
          }
        : { expires: options.expires }),
    });
  } catch (error) {
    throw new TypeError(
      `Cannot build a Set-Cookie header for cookie ${JSON.stringify(name)}: ${(error as Error).message}. ` +
        "Cookie names are HTTP tokens (letters, digits, !#$%&'*+-.^_`|~); a domain is a host name; a path has no ';'.",
    );
  }
}
