import { describe, expect, it } from "vitest";
import * as exceptions from "./exceptions";
import {
  CancelledError,
  ChannelFull,
  ChannelsError,
  InvalidChannelNameError,
  InvalidMessageError,
  RouteNotFound,
  StopConsumer,
} from "./exceptions";

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

  it("carry a stable, distinct CHANNELS_ERR_* code", () => {
    const classes = (Object.values(exceptions) as unknown[]).filter(
      (value): value is new (...args: string[]) => Error & { code: string } =>
        typeof value === "function" && (value as { prototype: unknown }).prototype instanceof Error,
    );
    expect(classes.length).toBeGreaterThan(15);
    const codes = classes.map((cls) => {
      const error = new cls("x", "y", "z");
      expect(error.code, error.name).toMatch(/^CHANNELS_ERR(_[A-Z0-9]+)*$/);
      return error.code;
    });
    expect(new Set(codes).size).toBe(codes.length);
    expect(new ChannelFull("c").code).toBe("CHANNELS_ERR_CHANNEL_FULL");
  });

  it("count InvalidChannelNameError and InvalidMessageError as ChannelsErrors, staying TypeErrors", () => {
    for (const error of [new InvalidChannelNameError("x"), new InvalidMessageError("x")]) {
      expect(error).toBeInstanceOf(TypeError);
      expect(error).toBeInstanceOf(ChannelsError);
    }
    expect(new StopConsumer()).not.toBeInstanceOf(ChannelsError);
    expect(new TypeError("x")).not.toBeInstanceOf(ChannelsError);
  });

  it("recognise ChannelsError itself from another copy of the package", () => {
    // The other copy's errors carry the same global marker on their prototype.
    class OtherCopyChannelsError extends Error {}
    Object.defineProperty(OtherCopyChannelsError.prototype, Symbol.for("channels-ts.ChannelsError"), {
      value: true,
    });
    class OtherCopyRouteNotFound extends OtherCopyChannelsError {
      override name = "RouteNotFound";
    }
    expect(new OtherCopyRouteNotFound()).toBeInstanceOf(ChannelsError);
    expect(new OtherCopyRouteNotFound()).toBeInstanceOf(RouteNotFound);
    expect(new OtherCopyChannelsError()).not.toBeInstanceOf(RouteNotFound);
  });
});
