import type { Duplex } from "node:stream";

/**
 * Holds back the writes to a socket until the end of the current event-loop turn, so the frames a
 * consumer sends in one burst (a group message fanned out, several messages queued for one client)
 * leave in one `writev` instead of one system call each. The system call dominates a fan-out's
 * CPU profile; a turn adds no more latency than the microtasks already queued in it.
 */
export class WriteCoalescer {
  /**
   * Held bytes past which a socket is written at once: coalescing is for many small frames, and a
   * large burst must reach the kernel as it goes (else one turn's sends could pass
   * `maxBufferedBytes` and close a client that reads fine).
   */
  static readonly RELEASE_BYTES = 64 * 1024;

  /** Sockets corked this turn; a flush is scheduled while there are any. */
  private held: Duplex[] = [];

  /** Call before writing to `socket`: corks it until the turn ends. */
  hold(socket: Duplex): void {
    // ws corks and uncorks around each frame synchronously, so a corked socket is one we hold.
    if (socket.writableCorked !== 0) return;
    socket.cork();
    if (this.held.push(socket) === 1) setImmediate(this.flush);
  }

  /** Call after writing to `socket`: writes it out now if it holds more than `RELEASE_BYTES`. */
  wrote(socket: Duplex): void {
    if (socket.writableCorked !== 0 && socket.writableLength >= WriteCoalescer.RELEASE_BYTES) {
      while (socket.writableCorked > 0) socket.uncork();
    }
  }

  /** Writes out everything held. */
  readonly flush = (): void => {
    const held = this.held;
    this.held = [];
    for (const socket of held) {
      while (socket.writableCorked > 0) socket.uncork();
    }
  };
}
