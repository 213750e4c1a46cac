import { describe, expect, it, vi } from "vitest";
import { Mailboxes } from "./mailboxes";

describe("Mailboxes", () => {
  it("hands messages to waiters first come first served, else buffers them", async () => {
    const boxes = new Mailboxes(() => 10);
    const first = boxes.wait("c", undefined);
    const second = boxes.wait("c", undefined);
    expect(boxes.deliver("c", { type: "1" })).toBe(true);
    boxes.deliverOrBuffer("c", { type: "2" });
    boxes.deliverOrBuffer("c", { type: "3" });
    expect([(await first).type, (await second).type]).toEqual(["1", "2"]);
    expect(boxes.take("c")).toEqual({ type: "3" });
    expect(boxes.take("c")).toBeUndefined();
  });

  it("keeps at most capacity messages per channel, dropping the oldest", () => {
    const boxes = new Mailboxes(() => 2);
    for (let n = 0; n < 4; n++) boxes.deliverOrBuffer("c", { type: "m", n });
    expect([boxes.take("c")?.n, boxes.take("c")?.n, boxes.take("c")]).toEqual([2, 3, undefined]);
    expect(boxes.overflowed).toBe(2);
  });

  it("drops buffered messages older than the ttl, on take and in sweeps", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const boxes = new Mailboxes(() => 10, 1_000);
      boxes.deliverOrBuffer("old", { type: "old" });
      boxes.deliverOrBuffer("kept", { type: "kept" });
      vi.setSystemTime(1_000_000 + 1_500);
      expect(boxes.take("old")).toBeUndefined();
      boxes.deliverOrBuffer("new", { type: "new" }); // triggers a sweep of "kept"
      expect(boxes.expired).toBe(2);
      expect(boxes.take("kept")).toBeUndefined();
      expect(boxes.take("new")).toEqual({ type: "new" });
    } finally {
      vi.useRealTimers();
    }
  });

  it("an aborted waiter leaves; the next message goes to the buffer", async () => {
    const boxes = new Mailboxes(() => 10);
    const controller = new AbortController();
    const waiting = boxes.wait("c", controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    expect(boxes.deliver("c", { type: "m" })).toBe(false);
  });
});
