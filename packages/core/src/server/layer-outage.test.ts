import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChannelLayerUnavailable } from "../exceptions";
import { isLayerUnavailable, LayerOutage } from "./layer-outage";
import type { Logger } from "./logger";

function recording(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, error() {}, warn: (_fields, message) => warnings.push(message) };
}

describe("LayerOutage", () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it("warns once when an outage starts, then once a minute with a count, and again after a quiet spell", () => {
    const logger = recording();
    const outage = new LayerOutage(logger);
    const down = new ChannelLayerUnavailable("Redis did not answer");
    for (let i = 0; i < 100; i++) {
      outage.report(down, "WebSocket /ws/");
      vi.advanceTimersByTime(500);
    }
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(
      /Channel layer unavailable \(WebSocket \/ws\/\).*Retry-After: 5.*Redis did not answer/,
    );
    for (let i = 0; i < 30; i++) {
      outage.report(down, "WebSocket /ws/");
      vi.advanceTimersByTime(500);
    }
    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings[1]).toMatch(/still unavailable: 120 requests refused with 503 in the last 60 s/);
    vi.advanceTimersByTime(10_001);
    outage.report(down, "GET /join/");
    expect(logger.warnings).toHaveLength(3);
    expect(logger.warnings[2]).toMatch(/^Channel layer unavailable \(GET \/join\/\)/);
  });

  it("knows a layer's unavailability by class, also from another copy of core", () => {
    class RedisUnavailableError extends ChannelLayerUnavailable {}
    expect(isLayerUnavailable(new RedisUnavailableError("x"))).toBe(true);
    class ChannelLayerUnavailableCopy extends Error {}
    Object.defineProperty(ChannelLayerUnavailableCopy, "name", { value: "ChannelLayerUnavailable" });
    class Other extends ChannelLayerUnavailableCopy {}
    expect(isLayerUnavailable(new Other("x"))).toBe(true);
    expect(isLayerUnavailable(new Error("x"))).toBe(false);
    expect(isLayerUnavailable("ChannelLayerUnavailable")).toBe(false);
    expect(isLayerUnavailable(null)).toBe(false);
  });
});
