/**
 * Keepalive of one open WebSocket: any frame or pong from the client is a sign of life; a socket
 * silent for `intervalMs` is pinged, and dropped when the pong is `timeoutMs` late. Checked by
 * the server's one timer; nothing here keeps a timer of its own.
 */
export class Keepalive {
  /** Set by every frame and pong; the next check reads and clears it (cheaper than a clock read per frame). */
  private active = false;
  private pingSentAt = 0;

  constructor(private lastActive: number) {}

  /** A frame or a pong arrived. */
  heard(): void {
    this.active = true;
  }

  /** What the socket needs at `now`: a ping, to be dropped, or nothing. */
  check(now: number, intervalMs: number, timeoutMs: number): "ping" | "drop" | null {
    if (this.active) {
      this.active = false;
      this.lastActive = now;
      this.pingSentAt = 0;
      return null;
    }
    if (this.pingSentAt !== 0) return now - this.pingSentAt >= timeoutMs ? "drop" : null;
    if (now - this.lastActive < intervalMs) return null;
    this.pingSentAt = now;
    return "ping";
  }
}
