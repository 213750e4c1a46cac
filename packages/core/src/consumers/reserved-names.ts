/**
 * Which method names a message may reach. Django lets `{type: "close"}` call `self.close(message)`;
 * here a message reaches only protocol handlers (`websocket_*`, `http_*`, `lifespan_*`, and
 * `layer_*` for what a channel layer tells its consumers) and the
 * methods a user's subclass adds. The framework's own API (`send`, `close`, `dispatch`, fields such
 * as `baseSend`) and everything on `Object.prototype` are out of reach, even when overridden.
 */
const PROTOCOL_HANDLER = /^(websocket|http|lifespan|layer)_/;
const frameworkNames = new WeakMap<object, readonly string[]>();
const cache = new WeakMap<object, ReadonlySet<string>>();

/** Marks a framework class: its methods (but protocol handlers) and the named fields become unreachable. */
export function markFrameworkClass(cls: { prototype: object }, fields: readonly string[] = []): void {
  const names = [...Object.getOwnPropertyNames(cls.prototype), ...fields].filter(
    (n) => !PROTOCOL_HANDLER.test(n),
  );
  frameworkNames.set(cls.prototype, names);
}

/** The names no message may dispatch to on `instance`. */
export function reservedNamesOf(instance: object): ReadonlySet<string> {
  const proto = Object.getPrototypeOf(instance) as object;
  let names = cache.get(proto);
  if (!names) {
    const set = new Set(Object.getOwnPropertyNames(Object.prototype));
    for (let p: object | null = proto; p; p = Object.getPrototypeOf(p) as object | null) {
      for (const name of frameworkNames.get(p) ?? []) set.add(name);
    }
    names = set;
    cache.set(proto, names);
  }
  return names;
}
