/**
 * Splits a communicator's path (`"/chat/?a=1#x"`, or a full `ws://host/p?q` URL) into the decoded
 * path and the raw query string, as Django's communicators do with `urlparse`.
 */
export function splitPath(target: string): { path: string; query_string: string } {
  let rest = target;
  const hash = rest.indexOf("#");
  if (hash !== -1) rest = rest.slice(0, hash);
  const question = rest.indexOf("?");
  const query_string = question === -1 ? "" : rest.slice(question + 1);
  let rawPath = question === -1 ? rest : rest.slice(0, question);
  const scheme = /^[a-zA-Z][a-zA-Z\d+.-]*:\/\/[^/]*/.exec(rawPath);
  if (scheme) rawPath = rawPath.slice(scheme[0].length) || "/";
  return { path: decodePath(rawPath), query_string };
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    // Malformed escapes stay as they are, as Python's unquote leaves them.
    return raw.replace(/%[0-9a-fA-F]{2}/g, (sequence) => {
      try {
        return decodeURIComponent(sequence);
      } catch {
        return sequence;
      }
    });
  }
}
