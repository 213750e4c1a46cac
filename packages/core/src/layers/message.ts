import { InvalidMessageError } from "../exceptions";
import type { LayerMessage } from "../protocol/types";

const ALLOWED =
  "layer messages carry only strings, numbers, bigints, booleans, null, Uint8Array, arrays and plain objects";

function fail(path: string, what: string, hint: string): never {
  throw new InvalidMessageError(`${path} is ${what}: ${ALLOWED}. ${hint}`);
}

/** Where the copy is: the keys from the message down, and the objects on the way (for cycles). */
interface Walk {
  keys: Array<string | number>;
  parents: object[];
}

/** The path of the value being copied, e.g. `message.items[2].user`: built only for an error. */
function pathOf(walk: Walk): string {
  let path = "message";
  for (const key of walk.keys) path += typeof key === "number" ? `[${key}]` : `.${key}`;
  return path;
}

function copyValue(value: unknown, walk: Walk): unknown {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
    case "undefined":
      return value;
    case "function":
      return fail(pathOf(walk), "a function", "Send data, not behaviour.");
    case "symbol":
      return fail(pathOf(walk), "a symbol", "Use a string instead.");
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Uint8Array) return new Uint8Array(object);
  if (walk.parents.includes(object))
    return fail(pathOf(walk), "a reference back to one of its parents (a cycle)", "Flatten it first.");
  let out: unknown;
  walk.parents.push(object);
  if (Array.isArray(object)) {
    const copy = new Array<unknown>(object.length);
    for (let i = 0; i < object.length; i++) {
      walk.keys.push(i);
      copy[i] = copyValue(object[i], walk);
      walk.keys.pop();
    }
    out = copy;
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) failOnClass(object, proto, pathOf(walk));
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      walk.keys.push(key);
      if (key === "__proto__") failOnProtoKey(pathOf(walk));
      copy[key] = copyValue((object as Record<string, unknown>)[key], walk);
      walk.keys.pop();
    }
    out = copy;
  }
  walk.parents.pop();
  return out;
}

/**
 * An own `__proto__` key (as `{ ...JSON.parse(frame) }` makes) would become the prototype of the
 * copy on one layer and be refused by another's decoder: every layer refuses it at send instead.
 */
function failOnProtoKey(path: string): never {
  throw new InvalidMessageError(
    `${path} is an own "__proto__" key, which layers do not carry (copying it would set the prototype of the receiver's message). Send only the fields you mean to forward, or rename the key.`,
  );
}

function failOnClass(object: object, proto: object, path: string): never {
  if (object instanceof Date) return fail(path, "a Date", "Send date.toISOString() or date.getTime().");
  if (object instanceof Map) return fail(path, "a Map", "Send Object.fromEntries(map).");
  if (object instanceof Set) return fail(path, "a Set", "Send [...set].");
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    const type = object.constructor.name;
    return fail(path, `${/^[AEIOU]/.test(type) ? "an" : "a"} ${type}`, "Send a Uint8Array (or a Buffer).");
  }
  const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? "class instance";
  return fail(path, `an instance of ${name}`, "Send a plain object with its fields instead.");
}

/**
 * A deep copy of `message`, checking on the way that every value is one a layer can carry
 * (the Redis layer encodes exactly these). Throws `InvalidMessageError` naming the first bad value.
 */
export function copyMessage<M extends LayerMessage>(message: M): M {
  return copyValue(message, { keys: [], parents: [] }) as M;
}
