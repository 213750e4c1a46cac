/**
 * Django's path converters: the regex a segment must match and what the captured text becomes.
 * A converter that repeats one character class gives it as `char` (`regex` is then `char+`), so the
 * router can keep it from swallowing the literal that follows a parameter (no backtracking).
 */
export interface PathConverter {
  regex: string;
  toValue(text: string): unknown;
  /** The one-character class the converter repeats (`[^/]` for `str`); unset for fixed shapes like `uuid`. */
  char?: string;
  /** Whether the captured text may hold `/` (`path`): it is then compiled like a `*wildcard`. */
  crossesSegments?: boolean;
}

const identity = (text: string) => text;

export const converters: Readonly<Record<string, PathConverter>> = {
  str: { regex: "[^/]+", char: "[^/]", toValue: identity },
  int: { regex: "[0-9]+", char: "[0-9]", toValue: (text) => Number.parseInt(text, 10) },
  slug: { regex: "[-a-zA-Z0-9_]+", char: "[-a-zA-Z0-9_]", toValue: identity },
  uuid: { regex: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", toValue: identity },
  path: { regex: ".+", char: "[\\s\\S]", crossesSegments: true, toValue: identity },
};
