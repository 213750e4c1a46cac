import { AsyncWebsocketConsumer } from "@channels-ts/core";
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
  | { type: "error"; error: string };

/** Group events between consumers: the handler is named by `type`. */
type ChatEvent = { type: "chat.message"; message: string; name: string; at: number };
type PresenceEvent = { type: "chat.join" | "chat.leave"; name: string; at: number };

function displayName(queryString: string): string {
  const raw = new URLSearchParams(queryString).get("name")?.trim() ?? "";
  // Control characters would garble the log, and format characters (bidi overrides such as U+202E,
  // zero-width ones) would disguise a name or reorder the text around it; the length cap keeps one
  // name from filling the page.
  const cleaned = raw
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, "")
    .trim()
    .slice(0, MAX_NAME_LENGTH);
  return cleaned || "anonymous";
}

/**
 * The tutorial's chat consumer, grown up: rooms, display names, join and leave notices, and
 * validation that answers bad input with an error frame instead of dropping the connection.
 *
 * Clients send `{ "message": "hi" }` (the tutorial's protocol) and receive `ServerFrame`s.
 */
export class ChatConsumer extends AsyncWebsocketConsumer {
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
    await this.accept();
    await this.channelLayer!.groupSend(this.roomGroupName, {
      type: "chat.join",
      name: this.name,
      at: Date.now(),
    });
  }

  async disconnect(_code: number) {
    if (!this.channelLayer) return;
    await this.channelLayer.groupDiscard(this.roomGroupName, this.channelName);
    await this.channelLayer.groupSend(this.roomGroupName, {
      type: "chat.leave",
      name: this.name,
      at: Date.now(),
    });
  }

  async receive(textData?: string) {
    const message = this.parseMessage(textData);
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
    await this.channelLayer!.groupSend(this.roomGroupName, {
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

  private async sendFrame(frame: ServerFrame) {
    await this.send(JSON.stringify(frame));
  }

  /** The message text of a client frame, or what is wrong with the frame. */
  private parseMessage(textData: string | undefined): string | { error: string } {
    if (textData === undefined) return { error: 'Send text frames with JSON like {"message": "hi"}.' };
    let content: unknown;
    try {
      content = JSON.parse(textData);
    } catch {
      return { error: 'Frames must be JSON like {"message": "hi"}.' };
    }
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
