import { ImproperlyConfigured } from "../../exceptions";
import type { HttpScope } from "../../protocol/types";

/**
 * The scope extension through which the server tells an application its request-body limit
 * (`maxRequestBodyBytes`), and through which an application that streams its body (rather than
 * holding it whole) changes or lifts it before it reads: `max_bytes: null` is no limit.
 */
export const BODY_LIMIT_EXTENSION = "channels.body_limit";

export interface BodyLimit {
  /** Request-body bytes the server delivers before answering 413; `null`: no limit. */
  max_bytes: number | null;
}

/** The body limit a request's scope carries, or `null` when the server set none. */
export function bodyLimitOf(scope: HttpScope): BodyLimit | null {
  const extension = scope.extensions?.[BODY_LIMIT_EXTENSION];
  return extension === undefined ? null : (extension as unknown as BodyLimit);
}

/**
 * Changes the request-body limit of this request, before the application reads its body: a
 * consumer that streams its body (to disk, to another service) passes `null` to lift the
 * server's `maxRequestBodyBytes`, or a number of bytes of its own. Middleware that copies the
 * scope shares the extension, so any copy works.
 */
export function setRequestBodyLimit(scope: HttpScope, maxBytes: number | null): void {
  if (maxBytes !== null && (!Number.isInteger(maxBytes) || maxBytes < 0)) {
    throw new ImproperlyConfigured(
      `setRequestBodyLimit takes a number of bytes ≥ 0, or null for no limit; got ${String(maxBytes)}.`,
    );
  }
  const limit = bodyLimitOf(scope);
  if (limit === null) return; // a server without a limit (or not ours): nothing to lift
  limit.max_bytes = maxBytes;
}
