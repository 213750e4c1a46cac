import { describe, expect, it } from "vitest";
import { CancelledError, ChannelsError, RouteNotFound, StopConsumer } from "./exceptions";

describe("errors", () => {
  it("set name to their class name", () => {
    expect(new StopConsumer().name).toBe("StopConsumer");
    expect(new RouteNotFound("x").name).toBe("RouteNotFound");
    expect(new RouteNotFound("x")).toBeInstanceOf(ChannelsError);
  });

  it("recognise the same class from another copy of the package (ESM and CJS builds loaded together)", () => {
    // What the other copy's class produces: a distinct class with the same name.
    class OtherCopyCancelledError extends Error {
      override name = "CancelledError";
    }
    expect(new OtherCopyCancelledError()).toBeInstanceOf(CancelledError);
    expect(new OtherCopyCancelledError()).not.toBeInstanceOf(StopConsumer);
    expect(new Error("plain")).not.toBeInstanceOf(CancelledError);
    // A subclass check stays exact.
    class Special extends StopConsumer {}
    expect(new StopConsumer()).not.toBeInstanceOf(Special);
    expect(new Special()).toBeInstanceOf(StopConsumer);
  });
});
