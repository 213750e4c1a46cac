/**
 * Named parameters of a scope's `query_string`, found the way `URLSearchParams` reads names
 * (`+` is a space, `%xx` escapes decoded), so `?%74oken=…` is the `token` parameter to both.
 */

function paramName(part: string): string {
  const eq = part.indexOf("=");
  const raw = (eq === -1 ? part : part.slice(0, eq)).replaceAll("+", " ");
  if (!raw.includes("%")) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Whether the query string may hold one of `names` (cheap, for the common case of none). */
function mayHold(query: string, names: readonly string[]): boolean {
  if (query === "" || names.length === 0) return false;
  if (query.includes("%") || query.includes("+")) return true;
  return names.some((name) => query.includes(name));
}

/** The query string without the parameters called one of `names`; the rest kept byte for byte. */
export function withoutQueryParams(query: string, names: readonly string[]): string {
  if (!mayHold(query, names)) return query;
  return query
    .split("&")
    .filter((part) => !names.includes(paramName(part)))
    .join("&");
}

/** The query string with the values of the parameters called one of `names` replaced by `[redacted]`. */
export function redactQueryParams(query: string, names: readonly string[]): string {
  if (!mayHold(query, names)) return query;
  return query
    .split("&")
    .map((part) => {
      if (!names.includes(paramName(part))) return part;
      const eq = part.indexOf("=");
      return `${eq === -1 ? part : part.slice(0, eq)}=[redacted]`;
    })
    .join("&");
}
