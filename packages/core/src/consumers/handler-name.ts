import { InvalidMessageError } from "../exceptions";

// Types repeat (every chat message is "chat.message"): remember their handler names. Bounded, so
// a flood of distinct types cannot grow it without end.
const cache = new Map<string, string>();

/**
 * The method name a message dispatches to: its `type` with `.` turned into `_`
 * (`"chat.message"` → `chat_message`). A type that would start with `_` is refused, so private
 * methods can never be reached from outside.
 */
export function getHandlerName(message: unknown): string {
  const type = (message as { type?: unknown } | null | undefined)?.type;
  if (type === undefined || typeof message !== "object" || message === null) {
    throw new InvalidMessageError(
      'Incoming message has no "type": every event and layer message needs one, e.g. { type: "chat.message", ... }.',
    );
  }
  if (typeof type !== "string") {
    throw new InvalidMessageError(
      `Incoming message has a non-string "type" (${typeof type}); use a string like "chat.message".`,
    );
  }
  const cached = cache.get(type);
  if (cached !== undefined) return cached;
  const name = type.replaceAll(".", "_");
  if (name.startsWith("_")) {
    throw new InvalidMessageError(
      `Malformed type in message (leading underscore): "${type}". Handler names starting with "_" are private and cannot be reached by a message.`,
    );
  }
  if (cache.size >= 1000) cache.clear();
  cache.set(type, name);
  return name;
}
