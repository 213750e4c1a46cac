// The peers a benchmark run compares against or leans on, and why one is missing. A row whose peer
// is missing is reported as skipped with that reason, never as broken: a fresh machine without
// Daphne still finishes the run.
import { execFileSync } from "node:child_process";

const PYTHON = "/usr/bin/python3";

/** A row that cannot run here; its message is the named reason. */
export class PeerMissing extends Error {
  override name = "PeerMissing";
}

const SKIPPED = "skipped: ";

/** The row text for a skipped row: `skipped: <reason>`. */
export function skippedText(reason: string): string {
  return `${SKIPPED}${reason}`;
}

/** `true` for a row error that only says the row was skipped. */
export function isSkipped(rowError: string): boolean {
  return rowError.startsWith(SKIPPED);
}

function works(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const cache = new Map<string, string | undefined>();
function once(key: string, probe: () => string | undefined): string | undefined {
  if (!cache.has(key)) cache.set(key, probe());
  return cache.get(key);
}

/** Why Django Channels under Daphne cannot run here, or `undefined` when it can. */
export function missingDaphne(): string | undefined {
  return once("daphne", () =>
    works(PYTHON, ["-c", "import django, channels, daphne, channels_redis"])
      ? undefined
      : "Daphne is not installed: install Debian's python3-daphne, python3-django-channels and python3-channels-redis",
  );
}

/** Why Django Channels' layers cannot run here (no server needed), or `undefined`. */
export function missingDjangoChannels(): string | undefined {
  return once("channels", () =>
    works(PYTHON, ["-c", "import channels, channels_redis"])
      ? undefined
      : "Django Channels is not installed: install Debian's python3-django-channels and python3-channels-redis",
  );
}

/** Why processes cannot be pinned to CPUs here, or `undefined`. */
export function missingTaskset(): string | undefined {
  return once("taskset", () =>
    works("sh", ["-c", "command -v taskset"])
      ? undefined
      : "taskset is not installed (Debian's util-linux): processes run unpinned",
  );
}
