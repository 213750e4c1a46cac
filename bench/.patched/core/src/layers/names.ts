import { InvalidChannelNameError } from "../exceptions";

/** Names are shorter than this (at most 99 characters), as in Django Channels. */
export const MAX_NAME_LENGTH = 100;

// ASCII-only versions of Django's patterns; JavaScript's `$` does not accept a trailing newline.
const CHANNEL_NAME = /^[a-zA-Z\d\-_.]+(![\d\w\-_.]*)?$/;
const GROUP_NAME = /^[a-zA-Z\d\-_.]+$/;

const RULES = "fewer than 100 characters, only ASCII letters, digits, hyphens, underscores and periods";

function describe(name: unknown): string {
  if (typeof name !== "string") {
    if (name === null) return "null";
    const type = typeof name;
    return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
  }
  const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
  return `${JSON.stringify(shown)} (${name.length} characters)`;
}

/** Throws `InvalidChannelNameError` unless `name` is a valid channel name. */
export function requireValidChannelName(name: unknown, receive = false): asserts name is string {
  if (typeof name !== "string" || name.length >= MAX_NAME_LENGTH || !CHANNEL_NAME.test(name)) {
    throw new InvalidChannelNameError(
      `Channel name must be a string of ${RULES}, with at most one "!" for process-local channels; got ${describe(name)}.`,
    );
  }
  if (receive && name.includes("!") && !name.endsWith("!")) {
    throw new InvalidChannelNameError(
      `Specific channel names in receive() must end at the "!"; got ${describe(name)}. Receive on "${nonLocalName(name)}" and demultiplex.`,
    );
  }
}

/** Throws `InvalidChannelNameError` unless `name` is a valid group name. */
export function requireValidGroupName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length >= MAX_NAME_LENGTH || !GROUP_NAME.test(name)) {
    throw new InvalidChannelNameError(
      `Group name must be a string of ${RULES} (no "!"); got ${describe(name)}.`,
    );
  }
}

/** `true` for a valid channel name, `false` otherwise. */
export function isValidChannelName(name: unknown): boolean {
  return typeof name === "string" && name.length < MAX_NAME_LENGTH && CHANNEL_NAME.test(name);
}

/** `true` for a valid group name, `false` otherwise. */
export function isValidGroupName(name: unknown): boolean {
  return typeof name === "string" && name.length < MAX_NAME_LENGTH && GROUP_NAME.test(name);
}

/** The part of a process-local name up to and including `!`; the whole name otherwise. */
export function nonLocalName(name: string): string {
  const bang = name.indexOf("!");
  return bang === -1 ? name : name.slice(0, bang + 1);
}
