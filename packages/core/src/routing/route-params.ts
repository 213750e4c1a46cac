/**
 * The kwargs a `path()` pattern captures, computed from the pattern's literal type: Django
 * converters (`<int:year>` → number; `<str:…>`, `<slug:…>`, `<uuid:…>`, `<path:…>`, `<name>` →
 * string) and path-to-regexp parameters (`:room`, `*rest` → string; inside `{…}` optional).
 * A pattern TypeScript only knows as `string` gives `Record<string, unknown>`.
 */
export type RouteParams<Pattern extends string> = string extends Pattern
  ? Record<string, unknown>
  : Simplify<Required<ParamsOf<Pattern, false>> & Partial<ParamsOf<Pattern, true>>>;

/** What a consumer's route kwargs may be: names to values. */
export type RouteKwargs = Record<string, unknown>;

type Simplify<T> = { [K in keyof T]: T[K] };

/** Django's converter names and the value each captures. */
interface ConverterValues {
  int: number;
  str: string;
  slug: string;
  uuid: string;
  path: string;
}

type ConverterValue<Name extends string> = Name extends keyof ConverterValues
  ? ConverterValues[Name]
  : unknown;

/** A parameter name ends at the first character that cannot be part of an identifier. */
type NameEnd = "/" | "." | "-" | "{" | "}" | ":" | "*" | "<" | "(" | ")" | "?" | "+" | "!" | "@" | "," | ";";

type TakeName<S extends string, Acc extends string = ""> = S extends `${infer C}${infer Rest}`
  ? C extends NameEnd
    ? [Acc, S]
    : TakeName<Rest, `${Acc}${C}`>
  : [Acc, ""];

/** The parameters of `S`, keeping those inside `{…}` (optional) when `Optional`, else the others. */
type ParamsOf<S extends string, Optional extends boolean> = Collect<S, false, Optional>;

type Collect<
  S extends string,
  InGroup extends boolean,
  Optional extends boolean,
> = S extends `${infer C}${infer Rest}`
  ? C extends "<"
    ? Rest extends `${infer Inside}>${infer After}`
      ? Keep<DjangoParam<Inside>, InGroup, Optional> & Collect<After, InGroup, Optional>
      : unknown
    : C extends ":" | "*"
      ? TakeName<Rest> extends [infer Name extends string, infer After extends string]
        ? Keep<Name extends "" ? unknown : { [K in Name]: string }, InGroup, Optional> &
            Collect<After, InGroup, Optional>
        : unknown
      : C extends "{"
        ? Collect<Rest, true, Optional>
        : C extends "}"
          ? Collect<Rest, false, Optional>
          : C extends "\\"
            ? Rest extends `${string}${infer After}`
              ? Collect<After, InGroup, Optional>
              : unknown
            : Collect<Rest, InGroup, Optional>
  : unknown;

type Keep<Param, InGroup extends boolean, Optional extends boolean> = InGroup extends Optional
  ? Param
  : unknown;

type DjangoParam<Inside extends string> = Inside extends `${infer Converter}:${infer Name}`
  ? { [K in Name]: ConverterValue<Converter> }
  : { [K in Inside]: string };

/**
 * `unknown` when a route whose pattern captures `Params` (plus the route's extra `Extra` kwargs)
 * gives the consumer of `App` the kwargs it declares; otherwise an impossible type naming the
 * kwargs that are missing or of the wrong type, so `path()` fails to compile.
 */
export type CheckRouteKwargs<App, Params, Extra> = App extends {
  readonly consumerClass: abstract new (...args: never[]) => infer C;
}
  ? C extends { readonly routeKwargs: infer Wanted }
    ? RouteKwargs extends Wanted
      ? unknown // the consumer declares no kwargs
      : string extends keyof Params
        ? unknown // a pattern TypeScript cannot see
        : Omit<Params, keyof Extra> & Extra extends Wanted
          ? unknown
          : {
              "the route's kwargs do not give the consumer the routeKwargs it declares": {
                route: Simplify<Omit<Params, keyof Extra> & Extra>;
                consumer: Wanted;
              };
            }
    : unknown
  : unknown;
