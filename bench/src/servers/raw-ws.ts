// The ceiling: the chat protocol on a bare `ws` server, with rooms as Sets of sockets. No framework
// work beyond parsing the client's JSON and encoding one frame per broadcast.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { announce, chatRoom } from "./control";

const rooms = new Map<string, Set<WebSocket>>();
const server = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false });

wss.on("connection", (socket, request) => {
  const room = chatRoom(new URL(request.url ?? "/", "http://x").pathname);
  if (room === null) return socket.close(4404);
  const members = rooms.get(room) ?? new Set<WebSocket>();
  rooms.set(room, members);
  members.add(socket);
  socket.on("message", (data) => {
    const { message } = JSON.parse(data.toString());
    const frame = JSON.stringify({ message });
    for (const member of members) if (member.readyState === WebSocket.OPEN) member.send(frame);
  });
  socket.on("close", () => {
    members.delete(socket);
    if (members.size === 0) rooms.delete(room);
  });
});

server.listen(0, "127.0.0.1", () => {
  announce((server.address() as AddressInfo).port, async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
