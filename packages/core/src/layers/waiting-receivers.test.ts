import { describe, expect, it } from "vitest";
import { WaitingReceivers } from "./waiting-receivers";

describe("WaitingReceivers", () => {
  it("serves waiters of a channel first come, first served, and only that channel's", async () => {
    const receivers = new WaitingReceivers();
    const first = receivers.wait("a");
    const second = receivers.wait("a");
    const other = receivers.wait("b");
    expect(receivers.count("a")).toBe(2);
    expect(receivers.deliver("a", { type: "m", n: 1 })).toBe(true);
    expect(receivers.deliver("a", { type: "m", n: 2 })).toBe(true);
    expect(receivers.deliver("a", { type: "m", n: 3 })).toBe(false);
    expect([(await first).n, (await second).n]).toEqual([1, 2]);
    expect([...receivers.channels()]).toEqual([["b", 1]]);
    receivers.deliver("b", { type: "m" });
    await other;
  });

  it("removes an aborted waiter before it rejects, so the next message goes to the next waiter", async () => {
    const receivers = new WaitingReceivers();
    const controller = new AbortController();
    let told = 0;
    const aborted = receivers.wait("a", controller.signal, () => told++);
    const live = receivers.wait("a");
    controller.abort(new Error("gone"));
    await expect(aborted).rejects.toThrow("gone");
    expect(told).toBe(1);
    receivers.deliver("a", { type: "m" });
    expect(await live).toEqual({ type: "m" });
  });

  it("rejects the waiters of one channel or of all", async () => {
    const receivers = new WaitingReceivers();
    const a = receivers.wait("a");
    const b = receivers.wait("b");
    receivers.rejectAll(new Error("a failed"), "a");
    await expect(a).rejects.toThrow("a failed");
    expect(receivers.count("b")).toBe(1);
    receivers.rejectAll(new Error("closed"));
    await expect(b).rejects.toThrow("closed");
    expect([...receivers.channels()]).toEqual([]);
  });
});
