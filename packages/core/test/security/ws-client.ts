import WebSocket from "ws";

/**
 * Text messages of a socket, buffered from the start: a server may send right after accepting, in
 * the same TCP packet as the handshake, before a listener attached after "open" would exist.
 */
export class Inbox {
  private readonly queued: string[] = [];
  private readonly waiting: Array<{ resolve: (text: string) => void; reject: (error: Error) => void }> = [];
  private closedWith: number | null = null;

  constructor(socket: WebSocket) {
    socket.on("message", (data) => {
      const text = data.toString();
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(text);
      else this.queued.push(text);
    });
    socket.on("close", (code) => {
      this.closedWith = code;
      for (const waiter of this.waiting.splice(0))
        waiter.reject(new Error(`socket closed with ${code} before a message`));
    });
  }

  /** The next text message. */
  next(): Promise<string> {
    const text = this.queued.shift();
    if (text !== undefined) return Promise.resolve(text);
    if (this.closedWith !== null) return Promise.reject(new Error(`socket closed with ${this.closedWith}`));
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
}

/** How a real WebSocket handshake ended: opened, or refused with an HTTP response. */
export type HandshakeResult =
  | { kind: "open"; socket: WebSocket; inbox: Inbox }
  | { kind: "refused"; status: number; body: string; headers: Record<string, string | string[] | undefined> };

/** Opens a `ws` client and resolves once the handshake succeeded or was answered with HTTP. */
export function handshake(
  url: string,
  protocols: string[] = [],
  headers: Record<string, string> = {},
): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { headers });
    const inbox = new Inbox(socket);
    socket.once("open", () => resolve({ kind: "open", socket, inbox }));
    socket.once("unexpected-response", (_request, response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () => {
        // Handled here; the aborted handshake's own error is expected noise.
        socket.on("error", () => {});
        socket.terminate();
        resolve({ kind: "refused", status: response.statusCode ?? 0, body, headers: response.headers });
      });
    });
    socket.once("error", reject);
  });
}

/** Closes a socket and waits for the closing handshake. */
export function closeSocket(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve();
    socket.once("close", () => resolve());
    socket.close(1000);
  });
}
