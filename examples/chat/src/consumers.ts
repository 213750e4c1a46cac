import { AsyncEnvelopeConsumer, InvalidFrameError, RequestRefused, typedLayer } from "@channels-ts/core";
import { RateLimiter } from "./rate-limit";

/** Longest chat message the server takes, in characters. */
export const MAX_MESSAGE_LENGTH = 1000;
/** Longest display name, in characters. */
export const MAX_NAME_LENGTH = 40;
/**
 * The group of `/ws/chat/`, the seed's single room. Rooms are `chat_<room>` with a slug for a room,
 * and a slug has no `.`, so no room (not even `/ws/chat/chat_room/`) can join this group.
 */
export const DEFAULT_ROOM_GROUP = "chat.default";
/** Chat messages one connection may send per second, on average. */
export const MESSAGES_PER_SECOND = 5;
/** Chat messages one connection may send at once before the rate applies. */
export const MESSAGE_BURST = 10;

/** What the server sends: the tutorial's `{ message }`, with a type and a sender. */
export type ServerFrame =
  | { type: "chat"; message: string; name: string; at: number }
  | { type: "join"; name: string; at: number }
  | { type: "leave"; name: string; at: number }
  | { type: "rename"; from: string; name: string; at: number }
  | { type: "error"; error: string };

/**
 * The chat's protocol, shared with the page (src/static/chat.ts): the page sends the tutorial's
 * `{ message }`, receives `ServerFrame`s, and may ask to be renamed.
 */
export type ChatProtocol = {
  clientSends: { message: string };
  serverSends: ServerFrame;
  clientRequests: { request: { rename: string }; reply: { name: string } };
};

/** Group events between consumers: the handler is named by `type`. */
type ChatEvent = { type: "chat.message"; message: string; name: string; at: number };
type PresenceEvent = { type: "chat.join" | "chat.leave"; name: string; at: number };
type RenameEvent = { type: "chat.rename"; from: string; name: string; at: number };

/** A name as the chat shows it, at most MAX_NAME_LENGTH characters; `""` if nothing is left. */
function cleanName(raw: string): string {
  // Control characters would garble the log, and format characters (bidi overrides such as U+202E,
  // zero-width ones) would disguise a name or reorder the text around it; the length cap keeps one
  // name from filling the page.
  return raw
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, "")
    .trim()
    .slice(0, MAX_NAME_LENGTH);
}

function displayName(queryString: string): string {
  return cleanName(new URLSearchParams(queryString).get("name") ?? "") || "anonymous";
}

/**
 * Names in use per room, in this process (with Redis, each process knows its own connections):
 * name → how many connections of the room use it.
 */
const namesInRoom = new Map<string, Map<string, number>>();
function countName(room: string, name: string, delta: 1 | -1): void {
  const names = namesInRoom.get(room) ?? new Map<string, number>();
  const count = (names.get(name) ?? 0) + delta;
  if (count > 0) names.set(name, count);
  else names.delete(name);
  if (names.size > 0) namesInRoom.set(room, names);
  else namesInRoom.delete(room);
}

/**
 * The tutorial's chat consumer, grown up: rooms, display names, join and leave notices, and
 * validation that answers bad input with an error frame instead of dropping the connection.
 *
 * Clients send `{ "message": "hi" }` (the tutorial's protocol) and receive `ServerFrame`s; the
 * page's `@channels-ts/client` may also ask `{ rename }`, refused with a reason when the name is
 * taken in the room.
 */
export class ChatConsumer extends AsyncEnvelopeConsumer<ChatProtocol> {
  roomGroupName = DEFAULT_ROOM_GROUP;
  name = "anonymous";
  /** Each connection's chat messages are rate limited, so one client cannot flood a room. */
  private readonly limiter = new RateLimiter(MESSAGES_PER_SECOND, MESSAGE_BURST);

  async connect() {
    const room = this.scope.url_route?.kwargs.room;
    if (typeof room === "string") this.roomGroupName = `chat_${room}`;
    // Group names are shorter than 100 characters; refuse rooms that would not fit.
    if (this.roomGroupName.length >= 100) {
      await this.close(4400, "room name too long");
      return;
    }
    this.name = displayName(this.scope.query_string);
    await this.channelLayer!.groupAdd(this.roomGroupName, this.channelName);
    countName(this.roomGroupName, this.name, 1);
    await this.accept();
    await this.room().groupSend(this.roomGroupName, {
      type: "chat.join",
      name: this.name,
      at: Date.now(),
    });
  }

  async disconnect(_code: number) {
    if (!this.channelLayer) return;
    countName(this.roomGroupName, this.name, -1);
    await this.channelLayer.groupDiscard(this.roomGroupName, this.channelName);
    await this.room().groupSend(this.roomGroupName, {
      type: "chat.leave",
      name: this.name,
      at: Date.now(),
    });
  }

  override async receive(textData?: string, bytesData?: Uint8Array) {
    try {
      await super.receive(textData, bytesData);
    } catch (error) {
      // Binary, empty or not JSON: say so and stay connected.
      if (!(error instanceof InvalidFrameError)) throw error;
      await this.sendFrame({ type: "error", error: 'Frames must be JSON like {"message": "hi"}.' });
    }
  }

  override async receiveJson(content: unknown) {
    const message = this.parseMessage(content);
    if (typeof message !== "string") {
      await this.sendFrame({ type: "error", error: message.error });
      return;
    }
    if (!this.limiter.take()) {
      await this.sendFrame({
        type: "error",
        error: `Slow down: at most ${MESSAGES_PER_SECOND} messages a second (${MESSAGE_BURST} at once). This one was not sent.`,
      });
      return;
    }
    await this.room().groupSend(this.roomGroupName, {
      type: "chat.message",
      message,
      name: this.name,
      at: Date.now(),
    });
  }

  async chat_message(event: ChatEvent) {
    await this.sendFrame({ type: "chat", message: event.message, name: event.name, at: event.at });
  }

  async chat_join(event: PresenceEvent) {
    await this.sendFrame({ type: "join", name: event.name, at: event.at });
  }

  async chat_leave(event: PresenceEvent) {
    await this.sendFrame({ type: "leave", name: event.name, at: event.at });
  }

  async chat_rename(event: RenameEvent) {
    await this.sendFrame({ type: "rename", from: event.from, name: event.name, at: event.at });
  }

  /** The page's `request({ rename })`: refused with a reason the page shows when the name is taken. */
  override async receiveRequest(request: { rename: string }) {
    const name = cleanName(typeof request?.rename === "string" ? request.rename : "");
    if (!name) throw new RequestRefused("A name needs at least one visible character.");
    if (name === this.name) return { name };
    if (namesInRoom.get(this.roomGroupName)?.has(name)) {
      throw new RequestRefused(`The name “${name}” is taken in this room; choose another.`);
    }
    const from = this.name;
    countName(this.roomGroupName, from, -1);
    countName(this.roomGroupName, name, 1);
    this.name = name;
    await this.room().groupSend(this.roomGroupName, { type: "chat.rename", from, name, at: Date.now() });
    return { name };
  }

  /** The layer, typed against this consumer's handlers: a misspelt event type does not compile. */
  private room() {
    return typedLayer<ChatConsumer>(this.channelLayer!);
  }

  private async sendFrame(frame: ServerFrame) {
    await this.sendJson(frame);
  }

  /** The message text of a client frame, or what is wrong with the frame. */
  private parseMessage(content: unknown): string | { error: string } {
    const message = (content as { message?: unknown } | null)?.message;
    if (typeof content !== "object" || content === null || typeof message !== "string") {
      return { error: 'Frames must be JSON objects with a "message" string, like {"message": "hi"}.' };
    }
    if (message.trim() === "") return { error: "Empty messages are not sent." };
    if (message.length > MAX_MESSAGE_LENGTH) {
      return {
        error: `Messages are limited to ${MAX_MESSAGE_LENGTH} characters; this one has ${message.length}.`,
      };
    }
    return message;
  }
}
