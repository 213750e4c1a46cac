import { copyScope } from "../protocol/copy-scope";
import type { Application, Receive, Scope, Send } from "../protocol/types";
import { isPathRouting, markPathRouting } from "../routing/url-router";

/**
 * Django's `BaseMiddleware`, for class-style middleware. An instance *is* an `Application`: call it
 * as `(scope, receive, send)`. Override `handle()`; it gets a shallow copy of the scope, so keys
 * you add there never leak to the application around you.
 *
 * ```ts
 * class QueryTenantMiddleware extends BaseMiddleware {
 *   override async handle(scope: Scope, receive: Receive, send: Send) {
 *     scope.tenant = new URLSearchParams(String(scope.query_string ?? "")).get("tenant");
 *     return super.handle(scope, receive, send);
 *   }
 * }
 * const app = new QueryTenantMiddleware(URLRouter([...]));
 * ```
 *
 * One instance serves every connection: keep per-connection state in the scope, never on `this`.
 * A plain function `(inner) => (scope, receive, send) => inner({ ...scope, key }, receive, send)`
 * does the same job and is the idiomatic choice in TypeScript.
 */
export interface BaseMiddleware extends Application {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface gives instances their call signature.
export class BaseMiddleware {
  /** The application this middleware wraps. */
  declare readonly inner: Application;

  constructor(inner: Application) {
    if (typeof inner !== "function") {
      throw new TypeError(
        `${new.target.name} wraps an application (an async (scope, receive, send) function); got ${inner === null ? "null" : typeof inner}. Pass a router or Consumer.asAsgi().`,
      );
    }
    // Returning a function from the constructor makes the instance callable; subclasses' fields
    // and methods land on it because it takes the subclass's prototype.
    const app = ((scope: Scope, receive: Receive, send: Send) =>
      middleware.handle(copyScope(scope), receive, send)) as unknown as BaseMiddleware;
    const middleware = app;
    Object.setPrototypeOf(app, new.target.prototype);
    Object.defineProperty(app, "name", { value: new.target.name, configurable: true });
    Object.defineProperty(app, "inner", { value: inner, enumerable: true });
    // A middleware around a nested URLRouter must stay prefix-matchable by the router around it.
    if (isPathRouting(inner)) markPathRouting(app);
    // biome-ignore lint/correctness/noConstructorReturn: see above; this is what makes instances callable.
    return app;
  }

  /** Runs for every connection with a copy of the scope; calls the inner application by default. */
  async handle(scope: Scope, receive: Receive, send: Send): Promise<void> {
    return this.inner(scope, receive, send);
  }
}

// Instances are functions, so they keep `call`, `apply` and `bind`.
Object.setPrototypeOf(BaseMiddleware.prototype, Function.prototype);
