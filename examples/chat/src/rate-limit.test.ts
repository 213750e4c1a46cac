import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limit";

describe("RateLimiter", () => {
  it("allows a burst, then the rate, and refills with time", () => {
    let now = 0;
    const limiter = new RateLimiter(5, 10, () => now);
    const burst = Array.from({ length: 12 }, () => limiter.take());
    expect(burst.filter(Boolean)).toHaveLength(10);
    expect(burst.slice(10)).toEqual([false, false]);
    now += 200; // 5 a second: one more every 200 ms
    expect(limiter.take()).toBe(true);
    expect(limiter.take()).toBe(false);
    now += 60_000; // refills up to the burst, never beyond
    expect(Array.from({ length: 11 }, () => limiter.take()).filter(Boolean)).toHaveLength(10);
  });
});
