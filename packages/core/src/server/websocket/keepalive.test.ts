import { describe, expect, it } from "vitest";
import { Keepalive } from "./keepalive";

describe("Keepalive", () => {
  it("pings a socket silent for the interval, then drops it when the pong is late", () => {
    const keepalive = new Keepalive(1_000);
    expect(keepalive.check(1_500, 1_000, 300)).toBeNull();
    expect(keepalive.check(2_000, 1_000, 300)).toBe("ping");
    expect(keepalive.check(2_200, 1_000, 300)).toBeNull();
    expect(keepalive.check(2_300, 1_000, 300)).toBe("drop");
  });

  it("counts any frame or pong as a sign of life", () => {
    const keepalive = new Keepalive(1_000);
    expect(keepalive.check(2_000, 1_000, 300)).toBe("ping");
    keepalive.heard();
    expect(keepalive.check(2_250, 1_000, 300)).toBeNull();
    expect(keepalive.check(3_000, 1_000, 300)).toBeNull();
    expect(keepalive.check(3_250, 1_000, 300)).toBe("ping");
  });
});
