import { HttpCommunicator } from "@channels-ts/core/testing";
import { describe, expect, it } from "vitest";
import type { Application, Receive, Scope, Send } from "../protocol/types";
import { path, URLRouter } from "../routing/index";
import { BaseMiddleware } from "./base-middleware";

/** Answers 200 with a JSON dump of what it saw in the scope under `keys`. */
function echoScope(keys: string[]): Application {
  return async (scope, _receive, send) => {
    const seen = Object.fromEntries(keys.map((key) => [key, scope[key] ?? null]));
    await send({ type: "http.response.start", status: 200 });
    await send({ type: "http.response.body", body: new TextEncoder().encode(JSON.stringify(seen)) });
  };
}

async function bodyOf(app: Application, path = "/"): Promise<unknown> {
  const response = await new HttpCommunicator(app, "GET", path).getResponse();
  return JSON.parse(new TextDecoder().decode(response.body));
}

class TenantMiddleware extends BaseMiddleware {
  prefix = "tenant-";
  override async handle(scope: Scope, receive: Receive, send: Send): Promise<void> {
    scope.tenant = `${this.prefix}${scope.type}`;
    return super.handle(scope, receive, send);
  }
}

describe("BaseMiddleware", () => {
  it("is an application: subclasses add scope keys the inner application sees", async () => {
    const app = new TenantMiddleware(echoScope(["tenant"]));
    expect(typeof app).toBe("function");
    expect(app).toBeInstanceOf(TenantMiddleware);
    expect(app).toBeInstanceOf(BaseMiddleware);
    expect(await bodyOf(app)).toEqual({ tenant: "tenant-http" });
  });

  it("copies the scope, so its additions never reach the caller's scope", async () => {
    const outer: Scope = {
      type: "http",
      http_version: "1.1",
      method: "GET",
      path: "/",
      query_string: "",
      headers: [],
    };
    let innerScope: Scope | undefined;
    const app = new TenantMiddleware(async (scope) => {
      innerScope = scope;
    });
    await app(
      outer,
      async () => ({ type: "http.disconnect" }),
      async () => {},
    );
    expect(innerScope?.tenant).toBe("tenant-http");
    expect(innerScope).not.toBe(outer);
    expect("tenant" in outer).toBe(false);
  });

  it("passes the connection through unchanged by default", async () => {
    const app = new BaseMiddleware(echoScope(["path", "method"]));
    expect(await bodyOf(app, "/a/b/")).toEqual({ path: "/a/b/", method: "GET" });
    expect(app.inner).toBeTypeOf("function");
  });

  it("keeps a nested URLRouter prefix-matchable", async () => {
    const inner = URLRouter([path("items/<int:id>/", echoScope(["url_route", "tenant"]))]);
    const app = URLRouter([path("shop/", new TenantMiddleware(inner))]);
    expect(await bodyOf(app, "/shop/items/7/")).toEqual({
      url_route: { args: [], kwargs: { id: 7 } },
      tenant: "tenant-http",
    });
  });

  it("refuses to wrap something that is not an application", () => {
    expect(() => new TenantMiddleware("nope" as unknown as Application)).toThrow(/wraps an application/);
  });
});

describe("plain-function middleware", () => {
  it("works the same way, without a class", async () => {
    const addRequestId =
      (inner: Application): Application =>
      (scope, receive, send) =>
        inner({ ...scope, requestId: "r-1" }, receive, send);
    expect(await bodyOf(addRequestId(echoScope(["requestId"])))).toEqual({ requestId: "r-1" });
  });
});
