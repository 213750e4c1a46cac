import type { Application } from "../protocol/types";
import { isPathRouting, markPathRouting } from "../routing/url-router";

/**
 * Returns `wrapper`, marked as a path router when `inner` is one, so that
 * `path("prefix/", SomeMiddleware(URLRouter([...])))` still prefix-matches.
 */
export function keepPathRouting<A extends Application>(wrapper: A, inner: Application): A {
  return isPathRouting(inner) ? markPathRouting(wrapper) : wrapper;
}

/** Throws a clear error when a middleware factory is handed something that is not an application. */
export function requireApplication(inner: unknown, middlewareName: string): asserts inner is Application {
  if (typeof inner !== "function") {
    throw new TypeError(
      `${middlewareName}() wraps an application (an async (scope, receive, send) function); got ${inner === null ? "null" : typeof inner}. Pass a router or Consumer.asAsgi().`,
    );
  }
}
