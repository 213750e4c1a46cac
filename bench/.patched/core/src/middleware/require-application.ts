import type { Application } from "../protocol/types";

/** Throws a clear error when a middleware factory is handed something that is not an application. */
export function requireApplication(inner: unknown, middlewareName: string): asserts inner is Application {
  if (typeof inner !== "function") {
    throw new TypeError(
      `${middlewareName}() wraps an application (an async (scope, receive, send) function); got ${inner === null ? "null" : typeof inner}. Pass a router or Consumer.asAsgi().`,
    );
  }
}
