import { ImproperlyConfigured } from "../exceptions";

/** Which hosts a pattern accepts. */
type HostRule =
  | { kind: "any" }
  | { kind: "exact"; host: string }
  /** `.example.com`: example.com and every subdomain (Django's rule). */
  | { kind: "domainAndSubdomains"; domain: string }
  /** `*.example.com`: every subdomain, not example.com itself. */
  | { kind: "subdomainsOnly"; domain: string };

/** One allowed-origin entry, parsed once when the validator is built. */
export interface OriginPattern {
  /** `null`: any scheme. */
  scheme: string | null;
  host: HostRule;
  /** `undefined`: any port; `null`: the scheme has no default port and none was given. */
  port: number | null | undefined;
}

/** A request's `Origin`, parsed. */
export interface ParsedOrigin {
  scheme: string;
  host: string;
  /** The explicit port, else the scheme's default, else `null`. */
  port: number | null;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, ws: 80, https: 443, wss: 443 };
const PATTERN = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\[[0-9a-f:.]+\]|[^\s:/[\]@?#]+)(?::(\d{1,5}))?\/?$/i;

/** The `Origin` header value as scheme, host and port, or `null` when it has no host (`null`, junk). */
export function parseOrigin(value: string | undefined): ParsedOrigin | null {
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.hostname === "") return null;
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const port = url.port !== "" ? Number(url.port) : (DEFAULT_PORTS[scheme] ?? null);
  return { scheme, host: url.hostname.toLowerCase(), port };
}

function describeSyntax(): string {
  return (
    'Use "*", a host ("example.com", "[::1]"), ".example.com" (the domain and its subdomains), ' +
    '"*.example.com" (subdomains only), a host with a port ("example.com:8080"), or an origin ' +
    '("https://example.com", "http://localhost:3000").'
  );
}

function hostRule(host: string, source: string): HostRule {
  const lower = host.toLowerCase();
  if (lower === "*") return { kind: "any" };
  if (lower.startsWith("*.") && !lower.slice(2).includes("*"))
    return { kind: "subdomainsOnly", domain: lower.slice(2) };
  if (lower.includes("*")) {
    throw new ImproperlyConfigured(
      `Allowed origin ${JSON.stringify(source)}: "*" works only alone or as the first label ("*.example.com"). ${describeSyntax()}`,
    );
  }
  if (lower.startsWith(".")) return { kind: "domainAndSubdomains", domain: lower.slice(1) };
  return { kind: "exact", host: lower };
}

/** Parses one allowed-origin entry, or throws `ImproperlyConfigured` saying what is accepted. */
export function parseOriginPattern(source: string): OriginPattern {
  if (typeof source !== "string") {
    throw new ImproperlyConfigured(
      `Allowed origins must be strings; got ${typeof source}. ${describeSyntax()}`,
    );
  }
  if (source === "*") return { scheme: null, host: { kind: "any" }, port: undefined };
  const match = PATTERN.exec(source.trim());
  if (!match) {
    throw new ImproperlyConfigured(
      `Allowed origin ${JSON.stringify(source)} is not a host or an origin. ${describeSyntax()}`,
    );
  }
  const [, scheme, host, port] = match;
  const explicitPort = port === undefined ? undefined : Number(port);
  if (explicitPort !== undefined && explicitPort > 65_535) {
    throw new ImproperlyConfigured(
      `Allowed origin ${JSON.stringify(source)} has port ${port}; ports go up to 65535.`,
    );
  }
  const lowerScheme = scheme?.toLowerCase() ?? null;
  return {
    scheme: lowerScheme,
    host: hostRule(host!, source),
    // An origin pattern with a scheme means its default port, as in Django.
    port: lowerScheme === null ? explicitPort : (explicitPort ?? DEFAULT_PORTS[lowerScheme] ?? null),
  };
}

function hostMatches(rule: HostRule, host: string): boolean {
  switch (rule.kind) {
    case "any":
      return true;
    case "exact":
      return host === rule.host;
    case "domainAndSubdomains":
      return host === rule.domain || host.endsWith(`.${rule.domain}`);
    case "subdomainsOnly":
      return host.endsWith(`.${rule.domain}`);
  }
}

/** Whether `origin` is accepted by `pattern`. */
export function originMatches(pattern: OriginPattern, origin: ParsedOrigin): boolean {
  if (pattern.scheme !== null && pattern.scheme !== origin.scheme) return false;
  if (pattern.port !== undefined && pattern.port !== origin.port) return false;
  return hostMatches(pattern.host, origin.host);
}
