import type { Application } from "../protocol/types";
import { isPathRouting, markPathRouting } from "../routing/url-router";

/**
 * Returns `wrapper`, marked as a path router when `inner` is one, so that
 * `path("prefix/", SomeMiddleware(URLRouter([...])))` still prefix-matches.
 */
export function keepPathRouting<A extends Application>(wrapper: A, inner: Application): A {
  return isPathRouting(inner) ? markPathRouting(wrapper) : wrapper;
}
