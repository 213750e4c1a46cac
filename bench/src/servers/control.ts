// What every Node server child does besides serving: announce its port, answer memory questions
// over IPC (after a full GC, so heap figures are live data), write heap snapshots when asked (to
// find what an idle connection costs), and exit on SIGTERM.
import { writeHeapSnapshot } from "node:v8";

export interface MemoryReply {
  type: "memory";
  rss: number;
  heapUsed: number;
  external: number;
}

declare const gc: (() => void) | undefined;

export function announce(port: number, close: () => Promise<void>): void {
  process.on("message", (message: { cmd?: string; path?: string }) => {
    if (message?.cmd === "heapsnapshot" && message.path) {
      if (typeof gc === "function") gc();
      process.send?.({ type: "heapsnapshot", path: writeHeapSnapshot(message.path) });
      return;
    }
    if (message?.cmd !== "memory") return;
    // Two passes: the first frees objects whose finalizers release more.
    if (typeof gc === "function") {
      gc();
      gc();
    }
    const usage = process.memoryUsage();
    const reply: MemoryReply = {
      type: "memory",
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      external: usage.external,
    };
    process.send?.(reply);
  });
  let stopping = false;
  process.on("SIGTERM", () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 3_000);
    force.unref();
    close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  });
  // The parent reads this line to learn the port; nothing else goes to stdout.
  console.log(`READY port=${port}`);
}

/** Room name from `/ws/chat/<room>/`, or `null` when the path is not a chat path. */
export function chatRoom(path: string): string | null {
  const match = /^\/ws\/chat\/([^/]+)\/$/.exec(path);
  return match ? decodeURIComponent(match[1]!) : null;
}
