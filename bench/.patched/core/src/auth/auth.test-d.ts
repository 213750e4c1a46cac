// Type-level tests: what middleware adds to the scope is typed through the exported scope types.
import { describe, expectTypeOf, it } from "vitest";
import { BaseMiddleware } from "../middleware/base-middleware";
import type { CookieScope } from "../middleware/cookie-middleware";
import type { Application, WebSocketScope } from "../protocol/types";
import type { Session } from "../sessions/session";
import type { SessionScope } from "../sessions/session-middleware";
import { type AnonymousUser, isAuthenticated } from "./anonymous-user";
import { AuthMiddlewareStack, type AuthScope } from "./auth-middleware";
import { getUser } from "./login";

interface User {
  id: string;
  name: string;
}
type Scope = WebSocketScope & CookieScope & SessionScope<{ visits?: number }> & AuthScope<User>;

describe("scope additions", () => {
  it("types cookies, session data and the user", () => {
    const check = (scope: Scope) => {
      expectTypeOf(scope.cookies).toEqualTypeOf<Record<string, string>>();
      expectTypeOf(scope.session.get("visits")).toEqualTypeOf<number | undefined>();
      expectTypeOf(scope.user).toEqualTypeOf<User | AnonymousUser>();
      if (isAuthenticated(scope.user)) expectTypeOf(scope.user).toEqualTypeOf<User>();
    };
    expectTypeOf(check).toBeFunction();
  });

  it("checks session keys and values against the declared data", () => {
    const check = (session: Session<{ visits?: number }>) => {
      // @ts-expect-error: "visits" holds a number
      session.set("visits", "many");
      // @ts-expect-error: no such key
      session.get("colour");
    };
    expectTypeOf(check).toBeFunction();
  });

  it("getUser resolves to the resolver's user type or AnonymousUser", () => {
    expectTypeOf(getUser<User>).returns.resolves.toEqualTypeOf<User | AnonymousUser>();
  });
});

describe("factories", () => {
  it("return applications, and need a resolver and a secret", () => {
    const inner: Application = async () => {};
    expectTypeOf(
      AuthMiddlewareStack(inner, { secret: "x", resolveUser: async (): Promise<User | null> => null }),
    ).toEqualTypeOf<Application>();
    // @ts-expect-error: resolveUser is required
    AuthMiddlewareStack(inner, { secret: "x" });
    // @ts-expect-error: secret is required
    AuthMiddlewareStack(inner, { resolveUser: async () => null });
  });

  it("BaseMiddleware instances are applications", () => {
    expectTypeOf(new BaseMiddleware(async () => {})).toExtend<Application>();
  });
});
