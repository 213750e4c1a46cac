import { parse, type Token } from "path-to-regexp";
import { ImproperlyConfigured, RouteNotFound } from "../exceptions";
import { copyScope } from "../protocol/copy-scope";
import type { Application, Receive, Scope, Send, UrlRoute } from "../protocol/types";
import { converters, type PathConverter } from "./converters";
import type { CheckRouteKwargs, RouteParams } from "./route-params";

/** Marks applications that route on `path_remaining` (routers), so an outer route prefix-matches them. */
const PATH_ROUTING = Symbol.for("channels-ts.pathRouting");

/**
 * Marks `app` as a path router, so `path("prefix/", app)` matches a prefix and passes on the rest.
 * `URLRouter` marks itself; call this on middleware that wraps a nested router.
 */
export function markPathRouting<A extends Application>(app: A): A {
  (app as unknown as Record<symbol, boolean>)[PATH_ROUTING] = true;
  return app;
}

export function isPathRouting(app: Application): boolean {
  return (app as unknown as Record<symbol, boolean | undefined>)[PATH_ROUTING] === true;
}

/** Raised by a nested router that matched nothing, so the router around it tries its next route. */
class NestedRouteMiss extends RouteNotFound {}

/** Options of `path()` and `rePath()`. */
export interface RouteOptions<Kwargs extends Record<string, unknown> = Record<string, unknown>> {
  /** Extra kwargs for `scope.url_route.kwargs`; as in Django they override captured values of the same name. */
  kwargs?: Kwargs;
}

interface Capture {
  group: string;
  name: string;
  converter: PathConverter | undefined;
}

interface Match {
  remaining: string;
  args: string[];
  kwargs: Record<string, unknown>;
}

/** A route made by `path()` or `rePath()`; pass it to `URLRouter`. */
export class Route {
  /** @internal */
  constructor(
    readonly pattern: string | RegExp,
    readonly app: Application,
    private readonly compile: (endpoint: boolean) => (path: string) => Match | null,
    readonly options: RouteOptions,
  ) {
    if (typeof app !== "function") {
      throw new ImproperlyConfigured(
        `Route ${String(pattern)}: the application must be an async function or Consumer.asAsgi(); got ${app === null ? "null" : typeof app}.`,
      );
    }
  }

  /** @internal */
  matcher(): (path: string) => Match | null {
    return this.compile(!isPathRouting(this.app));
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const DJANGO_PARAM = /<(?:([a-zA-Z_]\w*):)?([a-zA-Z_]\w*)>/g;

/** A pattern as literal text, captures and optional groups, before it is compiled. */
type Part =
  | { kind: "text"; value: string }
  | { kind: "capture"; name: string; converter: PathConverter | undefined; shape: PathConverter }
  | { kind: "group"; parts: Part[] };

/** What a `:param` and a `*wildcard` match (a `*wildcard` crosses segments, like `<path:…>`). */
const PARAM: PathConverter = converters.str!;
const WILDCARD: PathConverter = converters.path!;

function tokensToParts(tokens: Token[]): Part[] {
  return tokens.map((token): Part => {
    if (token.type === "text") return { kind: "text", value: token.value };
    if (token.type === "group") return { kind: "group", parts: tokensToParts(token.tokens) };
    const shape = token.type === "wildcard" ? WILDCARD : PARAM;
    return { kind: "capture", name: token.name, converter: undefined, shape };
  });
}

function patternToParts(pattern: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of pattern.matchAll(DJANGO_PARAM)) {
    parts.push(...tokensToParts(parse(pattern.slice(last, m.index)).tokens));
    const converterName = m[1] ?? "str";
    const converter = converters[converterName];
    if (!converter) {
      throw new ImproperlyConfigured(
        `path("${pattern}"): unknown converter "${converterName}"; use one of ${Object.keys(converters).join(", ")}.`,
      );
    }
    parts.push({ kind: "capture", name: m[2]!, converter, shape: converter });
    last = m.index + m[0].length;
  }
  parts.push(...tokensToParts(parse(pattern.slice(last)).tokens));
  return parts;
}

/**
 * Where the compiler is: what kind of repeating capture came last (none after a fixed-shape one such
 * as `uuid`), the literal text since it, and whether an optional group came in between.
 */
interface CompileState {
  previous: "none" | "param" | "wildcard";
  /** The character class of the last repeating capture. */
  previousChar: string;
  text: string;
  afterGroup: boolean;
}

/** `char` (a one-character class) that cannot start `text`. */
function charNotStarting(char: string, text: string): string {
  if (text.length === 1 && char.startsWith("[^"))
    return `[^${text.replace(/[\\\]^-]/g, "\\$&")}${char.slice(2)}`;
  return `(?:(?!${escapeRegExp(text)})${char})`;
}

/**
 * Compiles parts into a regex source that cannot backtrack polynomially (CVE-2024-45296, as
 * path-to-regexp 8 does): a capture that follows another one in the same segment (or a wildcard
 * after a wildcard) may not contain the literal text between them, so `<str:a>-<str:b>-<str:c>` has
 * one way to split any path instead of thousands. Greedy captures keep Django's results
 * (`"x-y-z"` → a `"x-y"`, b `"z"`). Two captures with no text between them are refused.
 */
function compileParts(parts: Part[], captures: Capture[], state: CompileState, pattern: string): string {
  let out = "";
  for (const part of parts) {
    if (part.kind === "text") {
      out += escapeRegExp(part.value);
      state.text += part.value;
      continue;
    }
    if (part.kind === "group") {
      const inner: CompileState = { ...state };
      const before = captures.length;
      out += `(?:${compileParts(part.parts, captures, inner, pattern)})?`;
      if (captures.length > before) Object.assign(state, inner, { afterGroup: true });
      continue;
    }
    const group = `g${captures.length}`;
    captures.push({ group, name: part.name, converter: part.converter });
    const { char, regex, crossesSegments } = part.shape;
    if (char === undefined) {
      out += `(?<${group}>${regex})`;
      Object.assign(state, { previous: "none", text: "", afterGroup: false });
      continue;
    }
    let exclude = "";
    if (state.previous !== "none") {
      if (state.text === "" && !state.afterGroup) {
        throw new ImproperlyConfigured(
          `path("${pattern}"): "${part.name}" follows another parameter with no text between them; put a literal (such as "-" or "/") between the two.`,
        );
      }
      const sameSegment = !state.text.includes("/");
      // A previous capture that cannot hold the text's first character ends where the text starts.
      const bounded = state.text !== "" && !new RegExp(`^${state.previousChar}$`).test(state.text[0]!);
      if (!bounded && (sameSegment || (crossesSegments && state.previous === "wildcard")))
        exclude = state.text;
    }
    out += `(?<${group}>${exclude ? charNotStarting(char, exclude) : char}+)`;
    Object.assign(state, {
      previous: crossesSegments ? "wildcard" : "param",
      previousChar: char,
      text: "",
      afterGroup: false,
    });
  }
  return out;
}

function compilePathPattern(pattern: string): { source: string; captures: Capture[] } {
  const captures: Capture[] = [];
  const state: CompileState = { previous: "none", previousChar: "", text: "", afterGroup: false };
  const source = compileParts(patternToParts(pattern), captures, state, pattern);
  return { source, captures };
}

/**
 * A route on a path pattern: path-to-regexp syntax (`"ws/chat/:room/"`, `"files/*rest"`) and Django
 * converters (`"year/<int:year>/"`, `<str:…>`, `<slug:…>`, `<uuid:…>`, `<path:…>`). To a consumer the
 * pattern must match the whole remaining path (no optional trailing slash); to a nested router it
 * matches a prefix. Captures land in `scope.url_route.kwargs` (`int` → number, others → string).
 */
export function path<
  const Pattern extends string,
  App extends Application,
  Extra extends Record<string, unknown> = Record<never, never>,
>(
  pattern: Pattern,
  app: App & CheckRouteKwargs<App, RouteParams<Pattern>, Extra>,
  options: RouteOptions<Extra> = {},
): Route {
  if (typeof pattern !== "string") {
    throw new ImproperlyConfigured(`path() takes a string pattern; use rePath() for a RegExp.`);
  }
  let compiled: { source: string; captures: Capture[] };
  try {
    compiled = compilePathPattern(pattern.replace(/^\/+/, ""));
  } catch (error) {
    if (error instanceof ImproperlyConfigured) throw error;
    throw new ImproperlyConfigured(`path("${pattern}"): ${(error as Error).message}`, { cause: error });
  }
  const { source, captures } = compiled;
  return new Route(
    pattern,
    app,
    (endpoint) => {
      const regex = new RegExp(`^${source}${endpoint ? "$" : ""}`, "s");
      return (text) => {
        const m = regex.exec(text);
        if (!m) return null;
        const kwargs: Record<string, unknown> = {};
        for (const capture of captures) {
          const value = m.groups?.[capture.group];
          if (value === undefined) continue;
          kwargs[capture.name] = capture.converter ? capture.converter.toValue(value) : value;
        }
        return { remaining: text.slice(m[0].length), args: [], kwargs };
      };
    },
    options,
  );
}

/**
 * A route on a RegExp, searched (not anchored) unless it says `^`, as Django's `re_path`. Named groups
 * become kwargs (positional groups are then ignored); otherwise all groups become args.
 */
export function rePath(regex: RegExp | string, app: Application, options: RouteOptions = {}): Route {
  let re: RegExp;
  try {
    re =
      typeof regex === "string"
        ? new RegExp(regex)
        : new RegExp(regex.source, regex.flags.replace(/[gy]/g, ""));
  } catch (error) {
    throw new ImproperlyConfigured(`rePath(${String(regex)}): ${(error as Error).message}`, { cause: error });
  }
  return new Route(
    regex,
    app,
    () => (text) => {
      const m = re.exec(text);
      if (!m) return null;
      const remaining = text.slice(m.index + m[0].length);
      if (m.groups && Object.keys(m.groups).length > 0) {
        const kwargs: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(m.groups)) if (value !== undefined) kwargs[name] = value;
        return { remaining, args: [], kwargs };
      }
      return { remaining, args: m.slice(1).filter((v): v is string => v !== undefined), kwargs: {} };
    },
    options,
  );
}

/** The longest path `URLRouter` routes by default (characters, after `root_path`). */
export const DEFAULT_MAX_PATH_LENGTH = 4096;

/** Options of `URLRouter`. */
export interface URLRouterOptions {
  /**
   * The longest path (in characters) the outermost router matches; a longer one is `RouteNotFound`
   * without trying any route, so no pattern spends time on an oversized path.
   * @default 4096
   */
  maxPathLength?: number;
}

/**
 * Routes by URL path to the first matching route (`path()` / `rePath()`); nest routers for prefixes.
 * Matches land in `scope.url_route`, the unmatched rest in `scope.path_remaining`. No match:
 * `RouteNotFound` at the top; a nested router's miss makes the outer router try its next route.
 */
export function URLRouter(routes: Route[], options: URLRouterOptions = {}): Application {
  const maxPathLength = options.maxPathLength ?? DEFAULT_MAX_PATH_LENGTH;
  if (!Array.isArray(routes))
    throw new ImproperlyConfigured("URLRouter takes an array of path() / rePath() routes.");
  const compiled = routes.map((route, index) => {
    if (!(route instanceof Route)) {
      throw new ImproperlyConfigured(
        `URLRouter: route ${index} is not made by path() or rePath()${Array.isArray(route) ? " (to nest routes, use path(prefix, URLRouter([...])) — include() is not supported)" : ""}.`,
      );
    }
    return { route, match: route.matcher(), nested: isPathRouting(route.app) };
  });

  const router = async function urlRouter(scope: Scope, receive: Receive, send: Send) {
    const outermost = !("path_remaining" in scope) || scope.path_remaining === undefined;
    const raw: unknown = outermost ? (scope as { path?: unknown }).path : scope.path_remaining;
    if (typeof raw !== "string") {
      throw new ImproperlyConfigured(
        `URLRouter got a "${scope.type}" scope without a path; route only http and websocket scopes with it (inside ProtocolTypeRouter).`,
      );
    }
    let remaining = raw;
    if (outermost) {
      const rootPath = typeof scope.root_path === "string" ? scope.root_path : "";
      if (rootPath) {
        if (!remaining.startsWith(rootPath)) {
          throw new RouteNotFound(
            `No route found for path "${remaining}": it is outside root_path "${rootPath}".`,
          );
        }
        remaining = remaining.slice(rootPath.length);
      }
    }
    if (outermost && remaining.length > maxPathLength) {
      throw new RouteNotFound(
        `No route tried for a path of ${remaining.length} characters: the longest routable path is ${maxPathLength} (URLRouter's maxPathLength option).`,
      );
    }
    const stripped = remaining.replace(/^\/+/, "");
    const outer: UrlRoute = scope.url_route ?? { args: [], kwargs: {} };
    for (const { route, match, nested } of compiled) {
      const m = match(stripped);
      if (!m) continue;
      const inner = copyScope(scope, {
        path_remaining: m.remaining,
        url_route: {
          args: [...outer.args, ...m.args],
          kwargs: { ...outer.kwargs, ...m.kwargs, ...route.options.kwargs },
        },
      }) as Scope;
      if (!nested) return route.app(inner, receive, send);
      try {
        return await route.app(inner, receive, send);
      } catch (error) {
        if (error instanceof NestedRouteMiss) continue;
        throw error;
      }
    }
    if (outermost) {
      throw new RouteNotFound(
        `No route found for path "${stripped}". Add a path() or rePath() for it to your URLRouter.`,
      );
    }
    throw new NestedRouteMiss(`No route found for path "${stripped}".`);
  };
  return markPathRouting(router);
}
