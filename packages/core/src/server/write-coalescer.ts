import type { Duplex } from "node:stream";

/**
 * Holds back the writes to a socket until the end of the current event-loop turn, so the frames a
 * consumer sends in one burst (a group message fanned out, several messages queued for one client)
 * leave in one `writev` instead of one system call each. The system call dominates a fan-out's
 * CPU profile; a turn adds no more latency than the microtasks already queued in it.
 */
export class WriteCoalescer {
  private held: Duplex[] = [];
  private scheduled = false;

  /** Call before writing to `socket`: corks it until the turn ends. */
  hold(socket: Duplex): void {
    // ws corks and uncorks around each frame synchronously, so a corked socket is one we hold.
    if (socket.writableCorked !== 0) return;
    socket.cork();
    this.held.push(socket);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Writes out everything held (also on shutdown). */
  readonly flush = (): void => {
    this.scheduled = false;
    const held = this.held;
    this.held = [];
    for (const socket of held) {
      while (socket.writableCorked > 0) socket.uncork();
    }
  };
}
