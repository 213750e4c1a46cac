import { ImproperlyConfigured } from "../exceptions";

/**
 * Per-channel capacities: a plain object of glob → capacity, or an array of `[RegExp | glob, capacity]`
 * pairs. The first match wins; channels that match nothing get the layer's `capacity`.
 */
export type ChannelCapacity = Record<string, number> | ReadonlyArray<readonly [RegExp | string, number]>;

/** Compiles an fnmatch-style glob (`*`, `?`, `[...]`) into an anchored RegExp, as Python's fnmatch does. */
export function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") out += ".*";
    else if (c === "?") out += ".";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) out += "\\[";
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith("!")) body = `^${body.slice(1)}`;
        out += `[${body.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\/\]-]/g, "\\$&");
  }
  return new RegExp(`^${out}$`, "s");
}

function requireCapacity(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new ImproperlyConfigured(`${where} must be a whole number of messages ≥ 1; got ${String(value)}.`);
  }
  return value;
}

/** Resolves channel names to capacities; the compiled form of `capacity` + `channelCapacity`. */
export class CapacityTable {
  private readonly rules: Array<[RegExp, number]>;
  private readonly cache = new Map<string, number>();

  constructor(
    readonly defaultCapacity: number,
    channelCapacity?: ChannelCapacity,
  ) {
    requireCapacity(defaultCapacity, "capacity");
    const pairs: ReadonlyArray<readonly [RegExp | string, number]> = Array.isArray(channelCapacity)
      ? channelCapacity
      : Object.entries(channelCapacity ?? {});
    this.rules = pairs.map(([pattern, value]) => {
      const where = `channelCapacity[${String(pattern)}]`;
      if (!(pattern instanceof RegExp) && typeof pattern !== "string") {
        throw new ImproperlyConfigured(`${where}: a pattern must be a glob string or a RegExp.`);
      }
      return [typeof pattern === "string" ? globToRegExp(pattern) : pattern, requireCapacity(value, where)];
    });
  }

  /** The capacity of `channel`: the first matching rule's, else the default. */
  get(channel: string): number {
    if (this.rules.length === 0) return this.defaultCapacity;
    let value = this.cache.get(channel);
    if (value === undefined) {
      value = this.defaultCapacity;
      for (const [re, capacity] of this.rules) {
        re.lastIndex = 0;
        if (re.test(channel)) {
          value = capacity;
          break;
        }
      }
      // Bounded so that many one-off channel names cannot grow the cache without end.
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(channel, value);
    }
    return value;
  }
}
