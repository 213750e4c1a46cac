/**
 * The envelope (docs/protocol.md): a JSON object whose `"$ch"` field names its kind. Frames
 * without it are the app's own JSON. Receivers ignore kinds and fields they do not know, so
 * later versions can add both (the recovery positions of history, for example).
 */
export const ENVELOPE_KEY = "$ch";
/** The envelope version this client speaks, announced by the server's `hello`. */
export const ENVELOPE_VERSION = 1;

/** Envelope frames the client understands. */
export type Envelope =
  | { $ch: "hello"; v: number }
  | { $ch: "ping" }
  | { $ch: "pong" }
  | { $ch: "req"; id: number; data: unknown }
  | { $ch: "res"; id: number; data: unknown }
  | { $ch: "err"; id: number; error: string }
  | { $ch: "msg"; data: unknown };

/** Whether a decoded frame is an envelope (an object carrying `"$ch"`). */
export function isEnvelope(value: unknown): value is Envelope {
  return typeof value === "object" && value !== null && ENVELOPE_KEY in value;
}
