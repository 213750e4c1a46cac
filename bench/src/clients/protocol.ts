// One chat client over `ws`, for every server: the tutorial's JSON frames, or the same messages in
// Socket.IO's framing (Engine.IO v4 over WebSocket, spoken directly so every server gets the same
// client cost: a Socket.IO client library would make its runs client-bound).
import WebSocket from "ws";

export type Protocol = "chat" | "socketio";

export interface ChatClient {
  /** Sends `{"message": text}`. */
  send(text: string): void;
  /** Called with the `message` field of every chat frame the server sends. */
  onMessage: (text: string) => void;
  /** Drops the connection at once (no closing handshake: 10,000 of them must go quickly). */
  terminate(): void;
}

const KEY = '"message":';

/**
 * The `message` string of a chat frame in either framing (Python's json.dumps puts a space after
 * the colon); payloads carry no escapes.
 */
function messageOf(frame: string): string | null {
  const start = frame.indexOf(KEY);
  if (start < 0) return null;
  const from = frame.indexOf('"', start + KEY.length) + 1;
  return frame.slice(from, frame.indexOf('"', from));
}

export function connectClient(
  base: string,
  protocol: Protocol,
  room: string,
  timeoutMs = 30_000,
): Promise<ChatClient> {
  const url =
    protocol === "chat"
      ? `${base}/ws/chat/${room}/`
      : `${base}/socket.io/?EIO=4&transport=websocket&room=${encodeURIComponent(room)}`;
  const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
  const client: ChatClient = {
    send:
      protocol === "chat"
        ? (text) => socket.send(`{"message":"${text}"}`)
        : (text) => socket.send(`42["message",{"message":"${text}"}]`),
    onMessage: () => {},
    terminate: () => socket.terminate(),
  };
  return new Promise<ChatClient>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no connection to ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      resolve(client);
    };
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`${url} closed with ${code} before it was ready`));
    });
    if (protocol === "chat") {
      socket.once("open", ready);
      socket.on("message", (data) => {
        const text = messageOf(data.toString());
        if (text !== null) client.onMessage(text);
      });
      return;
    }
    // Engine.IO: "0{…}" opens, we join namespace "/" with "40" and it answers "40{…}";
    // "2" is the server's ping ("3" answers), "42[…]" an event.
    socket.on("message", (data) => {
      const frame = data.toString();
      if (frame.startsWith("42")) {
        const text = messageOf(frame);
        if (text !== null) client.onMessage(text);
      } else if (frame === "2") socket.send("3");
      else if (frame.startsWith("0")) socket.send("40");
      else if (frame.startsWith("40")) ready();
      else if (frame.startsWith("44")) socket.emit("error", new Error(`namespace refused: ${frame}`));
    });
  });
}

/** Opens `count` clients, at most `concurrency` handshakes at a time; `room(i)` names each one's room. */
export async function connectMany(
  bases: string[],
  protocol: Protocol,
  count: number,
  concurrency: number,
  room: (index: number) => string,
): Promise<{ clients: ChatClient[]; failed: number; firstError?: string }> {
  const clients: ChatClient[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      try {
        clients[index] = await connectClient(bases[index % bases.length]!, protocol, room(index));
      } catch (error) {
        failed++;
        firstError ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { clients: clients.filter(Boolean), failed, firstError };
}
