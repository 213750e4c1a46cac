// Type-level tests: route kwargs typed from path() patterns and checked against consumers.
import { describe, expectTypeOf, it } from "vitest";
import { AsyncHttpConsumer } from "../consumers/http-consumer";
import { AsyncJsonWebsocketConsumer } from "../consumers/json-websocket-consumer";
import { AsyncWebsocketConsumer } from "../consumers/websocket-consumer";
import type { RouteParams } from "./route-params";
import { path, URLRouter } from "./url-router";

class Chat extends AsyncWebsocketConsumer<{ room: string }> {
  override async connect() {
    expectTypeOf(this.routeKwargs.room).toEqualTypeOf<string>();
    await this.accept();
  }
}

class Archive extends AsyncHttpConsumer<{ year: number; slug: string }> {
  override async handle() {
    expectTypeOf(this.routeKwargs).toEqualTypeOf<{ year: number; slug: string }>();
    await this.sendResponse(200, `${this.routeKwargs.year + 1} ${this.routeKwargs.slug}`);
  }
}

class Feed extends AsyncJsonWebsocketConsumer<{ text: string }, { ok: boolean }, { feed: string }> {}

class Untyped extends AsyncWebsocketConsumer {}

describe("RouteParams", () => {
  it("reads Django converters: int is a number, the others strings", () => {
    expectTypeOf<RouteParams<"archive/<int:year>/<slug:slug>/">>().toEqualTypeOf<{
      year: number;
      slug: string;
    }>();
    expectTypeOf<RouteParams<"ws/chat/<room>/">>().toEqualTypeOf<{ room: string }>();
    expectTypeOf<RouteParams<"files/<path:rest>">>().toEqualTypeOf<{ rest: string }>();
    expectTypeOf<RouteParams<"u/<uuid:id>/<str:name>/">>().toEqualTypeOf<{ id: string; name: string }>();
  });

  it("reads path-to-regexp parameters; those inside {…} are optional", () => {
    expectTypeOf<RouteParams<"ws/chat/:room/">>().toEqualTypeOf<{ room: string }>();
    expectTypeOf<RouteParams<"files/*rest">>().toEqualTypeOf<{ rest: string }>();
    expectTypeOf<RouteParams<"ws/:room{/:page}/">>().toEqualTypeOf<{ room: string; page?: string }>();
    expectTypeOf<RouteParams<"ws/:a-:b/">>().toEqualTypeOf<{ a: string; b: string }>();
  });

  it("a pattern without parameters captures nothing; one TypeScript cannot see, anything", () => {
    expectTypeOf<RouteParams<"ws/lobby/">>().toEqualTypeOf<{}>();
    expectTypeOf<RouteParams<string>>().toEqualTypeOf<Record<string, unknown>>();
  });
});

describe("path() checks the consumer's routeKwargs against its pattern", () => {
  it("accepts patterns that capture what the consumer declares", () => {
    path("ws/chat/<room>/", Chat.asAsgi());
    path("ws/chat/:room/", Chat.asAsgi());
    path("archive/<int:year>/<slug:slug>/", Archive.asAsgi());
    path("ws/feed/<str:feed>/", Feed.asAsgi());
    // Extra kwargs of the route count, as in Django.
    path("ws/lobby/", Chat.asAsgi(), { kwargs: { room: "lobby" } });
    // A consumer that declares nothing takes any route.
    path("ws/anything/<int:n>/", Untyped.asAsgi());
    // A pattern TypeScript only knows as a string is not checked.
    const pattern: string = "ws/chat/<room>/";
    path(pattern, Chat.asAsgi());
    // Nor is a nested router.
    path("ws/", URLRouter([path("chat/<room>/", Chat.asAsgi())]));
  });

  it("refuses a route that misses a kwarg or captures it with the wrong type", () => {
    // @ts-expect-error: the pattern names it room_name, the consumer wants room
    path("ws/chat/<room_name>/", Chat.asAsgi());
    // @ts-expect-error: year is a string with <str:…>, the consumer wants a number
    path("archive/<str:year>/<slug:slug>/", Archive.asAsgi());
    // @ts-expect-error: an optional parameter may be missing
    path("ws/chat{/:room}/", Chat.asAsgi());
    // @ts-expect-error: nothing captured
    path("ws/lobby/", Chat.asAsgi());
  });
});
