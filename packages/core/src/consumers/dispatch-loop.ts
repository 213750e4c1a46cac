type Source<T> = () => Promise<T>;

/** Called with a source's message the moment it arrives, even while a handler is still running. */
export const sourceYielded: unique symbol = Symbol("sourceYielded");
/** Called with a source's failure the moment it happens, even while a handler is still running. */
export const sourceFailed: unique symbol = Symbol("sourceFailed");
/** Gives the watcher the loop's pull-ahead switch. */
export const loopStarted: unique symbol = Symbol("loopStarted");

/**
 * Sees every message and failure as it arrives rather than at its turn, so a consumer can tell
 * that its connection ended while a handler is stuck. Symbol-keyed methods, so a consumer is its
 * own watcher and an instance allocates nothing for it.
 */
export interface SourceWatcher<T> {
  [sourceYielded](value: T): void;
  [sourceFailed](error: unknown): void;
  /**
   * Gets, once, a function that makes the loop pull each source's next message while a handler
   * runs (from then on), so a disconnect is seen (and `sourceYielded` called) even while a handler
   * is stuck. The pulled message still waits for its turn.
   */
  [loopStarted](pullAhead: () => void): void;
}

/**
 * Resolves after every pending microtask (however long its promise chain) has run: Node runs the
 * next-tick queue only once V8's microtask queue is empty. Unlike `setImmediate`, it stays inside
 * the current event-loop turn, so a burst is handled (and its writes coalesced) in one turn.
 */
const settle = () => new Promise<void>((resolve) => process.nextTick(resolve));

interface Slot<T> {
  /** Waiting on its source. */
  armed: boolean;
  ready: boolean;
  value: T | undefined;
  error: unknown;
  hasError: boolean;
  onValue(value: T): void;
  onError(error: unknown): void;
}

function anyReady(slots: ReadonlyArray<Slot<unknown>>): boolean {
  for (const slot of slots) if (slot.ready) return true;
  return false;
}

/**
 * Django's `await_many_dispatch`: waits on every source at once and dispatches one message at a
 * time, in rounds: each round serves every source that is ready, earliest source first (the client
 * before the channel layer), so neither can starve the other. A source is asked for its next
 * message only after the previous one was dispatched, so nothing is pulled that the consumer might
 * not live to handle.
 *
 * Runs until `dispatch` or a source throws; the caller aborts the sources that are still waiting.
 */
export async function dispatchLoop<T>(
  sources: ReadonlyArray<Source<T>>,
  dispatch: (message: T) => Promise<void>,
  watcher?: SourceWatcher<T>,
) {
  let wake: (() => void) | null = null;
  // One pair of callbacks per source, made once: re-arming after every message allocates nothing.
  const slots: Slot<T>[] = sources.map(() => {
    const slot: Slot<T> = {
      armed: false,
      ready: false,
      value: undefined,
      error: undefined,
      hasError: false,
      onValue: (value: T) => {
        slot.armed = false;
        watcher?.[sourceYielded](value);
        slot.value = value;
        slot.ready = true;
        wake?.();
      },
      onError: (error: unknown) => {
        slot.armed = false;
        watcher?.[sourceFailed](error);
        slot.error = error;
        slot.hasError = true;
        slot.ready = true;
        wake?.();
      },
    };
    return slot;
  });
  const arm = (index: number) => {
    const slot = slots[index]!;
    slot.armed = true;
    sources[index]!().then(slot.onValue, slot.onError);
  };
  let pullAhead = false;
  watcher?.[loopStarted](() => {
    pullAhead = true;
    for (let i = 0; i < slots.length; i++) if (!slots[i]!.armed && !slots[i]!.ready) arm(i);
  });

  for (let i = 0; i < sources.length; i++) arm(i);
  let rearmed = false;
  for (;;) {
    // A source re-armed in the last round may already hold a message (one queued while a handler
    // ran), but its promise settles only some microtasks from now. If another source is ready,
    // let the re-armed ones settle first, so the next round sees every tie (as Django's
    // asyncio.wait does). Costs one tick, and only when a round ends with a message waiting.
    if (rearmed && anyReady(slots)) await settle();
    rearmed = false;
    while (!anyReady(slots)) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
    for (let index = 0; index < slots.length; index++) {
      const slot = slots[index]!;
      if (!slot.ready) continue;
      slot.ready = false;
      if (slot.hasError) throw slot.error;
      const value = slot.value as T;
      slot.value = undefined;
      if (pullAhead) arm(index);
      await dispatch(value);
      if (!slot.armed && !slot.ready) arm(index);
      rearmed = true;
    }
  }
}
