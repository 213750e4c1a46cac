// Channel and group name rules, ported from Django Channels' layer tests (LY-05 – LY-08).
import { describe, expect, it } from "vitest";
import { InvalidChannelNameError } from "../exceptions";
import {
  isValidChannelName,
  isValidGroupName,
  MAX_NAME_LENGTH,
  nonLocalName,
  requireValidChannelName,
  requireValidGroupName,
} from "./names";

function thrown(fn: () => void): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("did not throw");
}

describe("channel and group names", () => {
  it("LY-05 ★ 'chat' is valid; '¯\\_(ツ)_/¯' and 'chat'×100 are not, for channels and groups alike", () => {
    expect(() => requireValidChannelName("chat")).not.toThrow();
    expect(() => requireValidGroupName("chat")).not.toThrow();
    for (const bad of ["¯\\_(ツ)_/¯", "chat".repeat(100)]) {
      expect(() => requireValidChannelName(bad)).toThrow(InvalidChannelNameError);
      expect(() => requireValidGroupName(bad)).toThrow(InvalidChannelNameError);
    }
  });

  it("LY-06 the error is an InvalidChannelNameError (a TypeError) that says the rules and shows the name", () => {
    const channel = thrown(() => requireValidChannelName("a".repeat(101)));
    expect(channel).toBeInstanceOf(InvalidChannelNameError);
    expect(channel).toBeInstanceOf(TypeError);
    expect(channel.name).toBe("InvalidChannelNameError");
    expect(channel.message).toBe(
      `Channel name must be a string of fewer than 100 characters, only ASCII letters, digits, hyphens, underscores and periods, with at most one "!" for process-local channels; got "${"a".repeat(40)}…" (101 characters).`,
    );
    const group = thrown(() => requireValidGroupName("a".repeat(101)));
    expect(group).toBeInstanceOf(InvalidChannelNameError);
    expect(group.message).toBe(
      `Group name must be a string of fewer than 100 characters, only ASCII letters, digits, hyphens, underscores and periods (no "!"); got "${"a".repeat(40)}…" (101 characters).`,
    );
  });

  it("LY-06 a non-string name is described by its type", () => {
    expect(thrown(() => requireValidChannelName(42)).message).toMatch(/; got a number\.$/);
    expect(thrown(() => requireValidGroupName(null)).message).toMatch(/; got null\.$/);
    expect(thrown(() => requireValidChannelName(new TextEncoder().encode("foo"))).message).toMatch(
      /; got an object\.$/,
    );
  });

  it("LY-07 ★ 99 characters are valid, 100 are not", () => {
    expect(MAX_NAME_LENGTH).toBe(100);
    expect(() => requireValidChannelName("a".repeat(99))).not.toThrow();
    expect(() => requireValidGroupName("a".repeat(99))).not.toThrow();
    expect(() => requireValidChannelName("a".repeat(100))).toThrow(InvalidChannelNameError);
    expect(() => requireValidGroupName("a".repeat(100))).toThrow(InvalidChannelNameError);
    expect(isValidChannelName("a".repeat(99))).toBe(true);
    expect(isValidChannelName("a".repeat(100))).toBe(false);
    expect(isValidGroupName("a".repeat(99))).toBe(true);
    expect(isValidGroupName("a".repeat(100))).toBe(false);
  });

  it("LY-08 process-local names: one '!' in channels, none in groups", () => {
    expect(() => requireValidChannelName("foo.bar!baz")).not.toThrow();
    expect(() => requireValidChannelName("foo.bar!")).not.toThrow();
    expect(() => requireValidChannelName("foo.bar!", true)).not.toThrow();
    expect(() => requireValidGroupName("foo!bar")).toThrow(InvalidChannelNameError);
    for (const bad of ["a!b!c", "a?b", "", "!abc", "foo bar", "foo/bar"]) {
      expect(() => requireValidChannelName(bad)).toThrow(InvalidChannelNameError);
      expect(isValidChannelName(bad)).toBe(false);
    }
    for (const good of ["a-b_c.d", "A1", "specific.inmemory!AbCdEfGhIjKl", "x!a-b_c.9"]) {
      expect(isValidChannelName(good)).toBe(true);
    }
  });

  it("LY-08 receive() names must end at the '!', and the error says what to receive on", () => {
    const error = thrown(() => requireValidChannelName("foo.bar!baz", true));
    expect(error).toBeInstanceOf(InvalidChannelNameError);
    expect(error.message).toBe(
      'Specific channel names in receive() must end at the "!"; got "foo.bar!baz" (11 characters). Receive on "foo.bar!" and demultiplex.',
    );
    expect(() => requireValidChannelName("plain", true)).not.toThrow();
  });

  it("LY-08 nonLocalName keeps the part up to and including '!'", () => {
    expect(nonLocalName("foo.bar!baz")).toBe("foo.bar!");
    expect(nonLocalName("foo.bar!")).toBe("foo.bar!");
    expect(nonLocalName("foo.bar")).toBe("foo.bar");
  });

  it("is ASCII-only and rejects a trailing newline (deliberate differences from Django)", () => {
    for (const bad of ["chat٣", "chat!é", "chat\n", "chat!x\n", "ｃhat"]) {
      expect(() => requireValidChannelName(bad)).toThrow(InvalidChannelNameError);
    }
    for (const bad of ["chat٣", "chat\n", "grüppe"]) {
      expect(() => requireValidGroupName(bad)).toThrow(InvalidChannelNameError);
      expect(isValidGroupName(bad)).toBe(false);
    }
  });
});
