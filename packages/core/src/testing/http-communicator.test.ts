// HttpCommunicator, ported from Django Channels' HTTP tests (HT-05, HT-06) and its scope rules.
import { describe, expect, it } from "vitest";
import type { Application, HttpScope } from "../protocol/types";
import { ApplicationCommunicator } from "./application-communicator";
import { HttpCommunicator } from "./http-communicator";

const encode = (text: string) => new TextEncoder().encode(text);

/** Django's SimpleHttpApp: checks the request, answers "test response". */
const simpleHttpApp: Application = async (scope, receive, send) => {
  const s = scope as HttpScope;
  const request = await receive();
  if (
    s.path !== "/test/" ||
    s.method !== "GET" ||
    s.query_string !== "foo=bar" ||
    request.type !== "http.request"
  ) {
    throw new Error(`unexpected request ${JSON.stringify(s)}`);
  }
  await send({ type: "http.response.start", status: 200 });
  await send({ type: "http.response.body", body: encode("test response") });
};

describe("HttpCommunicator", () => {
  it("HT-06 ★ sends the request and collects the response", async () => {
    const comm = new HttpCommunicator(simpleHttpApp, "GET", "/test/?foo=bar");
    expect(comm).toBeInstanceOf(ApplicationCommunicator);
    const response = await comm.getResponse();
    expect(response.status).toBe(200);
    expect(response.headers).toEqual([]);
    expect(response.body).toEqual(encode("test response"));
  });

  it("HT-05 builds Django's minimal scope: method upper-cased, path decoded, raw query", () => {
    const comm = new HttpCommunicator(simpleHttpApp, "post", "/x%20y/?q=1%202", encode("abc"));
    expect(comm.scope).toStrictEqual({
      type: "http",
      http_version: "1.1",
      method: "POST",
      path: "/x y/",
      query_string: "q=1%202",
      headers: [],
    });
  });

  it("sends the body (a string becomes UTF-8) and the headers it was given", async () => {
    const seen: unknown[] = [];
    const app: Application = async (scope, receive, send) => {
      seen.push((scope as HttpScope).headers, await receive());
      await send({ type: "http.response.start", status: 201, headers: [["x", "1"]], trailers: false });
      await send({ type: "http.response.body" });
    };
    const response = await new HttpCommunicator(app, "PUT", "/", "héllo", [
      ["content-type", "text/plain"],
    ]).getResponse();
    expect(seen).toEqual([[["content-type", "text/plain"]], { type: "http.request", body: encode("héllo") }]);
    expect(response).toEqual({
      status: 201,
      headers: [["x", "1"]],
      trailers: false,
      body: new Uint8Array(0),
    });
  });

  it("says what it expected when the app answers out of order", async () => {
    const bodyFirst: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: "http.response.body", body: encode("x") });
    };
    await expect(new HttpCommunicator(bodyFirst, "GET", "/").getResponse()).rejects.toThrow(
      "Expected type 'http.response.start', but was 'http.response.body'",
    );
    const twoStarts: Application = async (_scope, receive, send) => {
      await receive();
      await send({ type: "http.response.start", status: 200 });
      await send({ type: "http.response.start", status: 200 });
    };
    await expect(new HttpCommunicator(twoStarts, "GET", "/").getResponse()).rejects.toThrow(
      "Expected type 'http.response.body', but was 'http.response.start'",
    );
  });

  it("refuses a non-string path and a body that is neither bytes nor a string", () => {
    expect(() => new HttpCommunicator(simpleHttpApp, "GET", 42 as unknown as string)).toThrow(
      "HttpCommunicator takes the path as a string; got number.",
    );
    expect(() => new HttpCommunicator(simpleHttpApp, "GET", "/", { a: 1 } as unknown as string)).toThrow(
      "HttpCommunicator takes the body as a Uint8Array or a string; got object.",
    );
  });
});
