import { describe, expect, it } from "vitest";
import { trailerObject, withoutConnectionHeaders } from "./http-versions";

describe("HTTP/2 response headers", () => {
  it("drops the connection-specific headers HTTP/2 forbids and lower-cases names", () => {
    expect(
      withoutConnectionHeaders([
        "Connection",
        "close",
        "X-A",
        "1",
        "Transfer-Encoding",
        "chunked",
        "keep-alive",
        "5",
      ]),
    ).toEqual(["x-a", "1"]);
  });

  it("joins repeated trailer names", () => {
    expect(trailerObject(["X-Sum", "a", "x-sum", "b", "grpc-status", "0"])).toEqual({
      "x-sum": "a, b",
      "grpc-status": "0",
    });
  });
});
