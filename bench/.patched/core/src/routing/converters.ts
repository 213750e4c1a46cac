/** Django's path converters: the regex a segment must match and what the captured text becomes. */
export interface PathConverter {
  regex: string;
  toValue(text: string): unknown;
}

const identity = (text: string) => text;

export const converters: Readonly<Record<string, PathConverter>> = {
  str: { regex: "[^/]+", toValue: identity },
  int: { regex: "[0-9]+", toValue: (text) => Number.parseInt(text, 10) },
  slug: { regex: "[-a-zA-Z0-9_]+", toValue: identity },
  uuid: { regex: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", toValue: identity },
  path: { regex: ".+", toValue: identity },
};
