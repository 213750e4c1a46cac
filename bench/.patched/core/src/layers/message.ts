import { InvalidMessageError } from "../exceptions";
import type { LayerMessage } from "../protocol/types";

const ALLOWED =
  "layer messages carry only strings, numbers, bigints, booleans, null, Uint8Array, arrays and plain objects";

function fail(path: string, what: string, hint: string): never {
  throw new InvalidMessageError(`${path} is ${what}: ${ALLOWED}. ${hint}`);
}

function copyValue(value: unknown, path: string, seen: Set<object>): unknown {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
    case "undefined":
      return value;
    case "function":
      return fail(path, "a function", "Send data, not behaviour.");
    case "symbol":
      return fail(path, "a symbol", "Use a string instead.");
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Uint8Array) return new Uint8Array(object);
  if (seen.has(object))
    return fail(path, "a reference back to one of its parents (a cycle)", "Flatten it first.");
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      const out = new Array<unknown>(object.length);
      for (let i = 0; i < object.length; i++) out[i] = copyValue(object[i], `${path}[${i}]`, seen);
      return out;
    }
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      if (object instanceof Date) return fail(path, "a Date", "Send date.toISOString() or date.getTime().");
      if (object instanceof Map) return fail(path, "a Map", "Send Object.fromEntries(map).");
      if (object instanceof Set) return fail(path, "a Set", "Send [...set].");
      if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
        const type = object.constructor.name;
        return fail(
          path,
          `${/^[AEIOU]/.test(type) ? "an" : "a"} ${type}`,
          "Send a Uint8Array (or a Buffer).",
        );
      }
      const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? "class instance";
      return fail(path, `an instance of ${name}`, "Send a plain object with its fields instead.");
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      out[key] = copyValue((object as Record<string, unknown>)[key], `${path}.${key}`, seen);
    }
    return out;
  } finally {
    seen.delete(object);
  }
}

/**
 * A deep copy of `message`, checking on the way that every value is one a layer can carry
 * (the Redis layer encodes exactly these). Throws `InvalidMessageError` naming the first bad value.
 */
export function copyMessage<M extends LayerMessage>(message: M): M {
  return copyValue(message, "message", new Set()) as M;
}
