// Socket.IO with the same chat protocol: a client joins the room named in its handshake query,
// sends `message` events `{message}`, and the room gets `message` events `{message}`.
// `socketio.ts` alone, or `socketio.ts redis redis://…` for the Redis (Pub/Sub) adapter.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server } from "socket.io";
import { announce } from "./control";

const [kind, redisUrl] = process.argv.slice(2);
const httpServer = createServer();
const io = new Server(httpServer, {
  transports: ["websocket"],
  perMessageDeflate: false,
  serveClient: false,
});
const redis: Redis[] = [];
if (kind === "redis") {
  const pub = new Redis(redisUrl!);
  const sub = pub.duplicate();
  redis.push(pub, sub);
  io.adapter(createAdapter(pub, sub));
}

io.on("connection", (socket) => {
  const room = String(socket.handshake.query.room ?? "lobby");
  void socket.join(room);
  socket.on("message", (content: { message: string }) => {
    io.to(room).emit("message", { message: content.message });
  });
});

httpServer.listen(0, "127.0.0.1", () => {
  announce((httpServer.address() as AddressInfo).port, async () => {
    io.disconnectSockets(true);
    await new Promise<void>((resolve) => io.close(() => resolve()));
    for (const client of redis) client.disconnect();
  });
});
