import type { Duplex } from "node:stream";
import { destroyOnEnd } from "../responses";

const EMPTY = Buffer.alloc(0);

/** Installed for the whole handshake: a reset then surfaces as 'close', which `onGone` reports. */
export function swallowError(): void {}

/**
 * The client's socket (or HTTP/2 stream) while the application decides on its handshake. Node
 * hands over upgrade sockets without reading them, so a client that leaves during the handshake
 * would go unnoticed: this reads them, keeping early bytes for ws (at most `maxEarlyBytes`, past
 * which the socket is dropped), and reports the client leaving.
 */
export class PendingSocket {
  private head: Buffer;

  constructor(
    readonly socket: Duplex,
    head: Buffer,
    private readonly maxEarlyBytes: number,
    /** The socket closed before the handshake ended. */
    private readonly onGone: () => void,
  ) {
    this.head = head;
    socket.on("error", swallowError);
    socket.on("close", onGone);
    socket.on("data", this.onData);
    // Upgrade sockets allow half-open: the client's FIN only ends reading. It left: close ours too.
    socket.on("end", destroyOnEnd);
    // The bytes that came with the request itself count too.
    if (head.length > maxEarlyBytes) socket.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    const head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
    this.head = head;
    if (head.length > this.maxEarlyBytes) this.socket.destroy();
  };

  /** ws reads from now on (synchronously): stop reading, and hand it the early bytes. */
  handOver(): Buffer {
    this.socket.off("data", this.onData);
    this.socket.off("end", destroyOnEnd);
    const head = this.head;
    this.head = EMPTY;
    return head;
  }

  /** The handshake is over: stop watching (errors stay swallowed until ws or a response takes over). */
  release(): void {
    this.socket.off("close", this.onGone);
    this.socket.off("data", this.onData);
    this.socket.off("end", destroyOnEnd);
    this.head = EMPTY;
  }
}
