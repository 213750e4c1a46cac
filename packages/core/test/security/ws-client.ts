import WebSocket from "ws";

/** How a real WebSocket handshake ended: opened, or refused with an HTTP response. */
export type HandshakeResult =
  | { kind: "open"; socket: WebSocket }
  | { kind: "refused"; status: number; body: string; headers: Record<string, string | string[] | undefined> };

/** Opens a `ws` client and resolves once the handshake succeeded or was answered with HTTP. */
export function handshake(
  url: string,
  protocols: string[] = [],
  headers: Record<string, string> = {},
): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { headers });
    socket.once("open", () => resolve({ kind: "open", socket }));
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

/** The next text message on an open socket. */
export function nextMessage(socket: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once("message", (data) => resolve(data.toString()));
    socket.once("close", (code) => reject(new Error(`socket closed with ${code} before a message`)));
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
