import { redactQueryParams } from "../protocol/query-string";

/**
 * Client-controlled text on its way into a log line (paths, URLs, header values). A line break
 * would let a client write a forged line of its own; other control and bidi-override characters
 * can hide or reorder what a terminal shows. They are written as `\xNN` / `\uNNNN`, and `\` and `"`
 * as `\\` and `\"` (as Apache and nginx do), so every escape reads one way.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069"\\]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");

function escapeChar(char: string): string {
  if (char === '"' || char === "\\") return `\\${char}`;
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` safe for one log line. */
export function logText(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escapeChar) : text;
}

/** A request target for a log line: the path as sent, the query with the `redact` parameters' values hidden. */
export function logTarget(rawPath: string, query: string, redact: readonly string[]): string {
  return logText(query === "" ? rawPath : `${rawPath}?${redactQueryParams(query, redact)}`);
}

/** `req.url` for a log line (`logTarget` of its path and query). */
export function logUrl(url: string | undefined, redact: readonly string[]): string {
  if (url === undefined) return "-";
  const queryStart = url.indexOf("?");
  return queryStart === -1
    ? logText(url)
    : logTarget(url.slice(0, queryStart), url.slice(queryStart + 1), redact);
}
