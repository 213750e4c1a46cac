type Source<T> = () => Promise<T>;

/**
 * Resolves after every pending microtask (however long its promise chain) has run: Node runs the
 * next-tick queue only once V8's microtask queue is empty. Unlike `setImmediate`, it stays inside
 * the current event-loop turn, so a burst is handled (and its writes coalesced) in one turn.
 */
const settle = () => new Promise<void>((resolve) => process.nextTick(resolve));

interface Slot<T> {
  ready: boolean;
  value: T | undefined;
  error: unknown;
  hasError: boolean;
  onValue(value: T): void;
  onError(error: unknown): void;
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
) {
  let wake: (() => void) | null = null;
  // One pair of callbacks per source, made once: re-arming after every message allocates nothing.
  const slots: Slot<T>[] = sources.map(() => {
    const slot: Slot<T> = {
      ready: false,
      value: undefined,
      error: undefined,
      hasError: false,
      onValue: (value: T) => {
        slot.value = value;
        slot.ready = true;
        wake?.();
      },
      onError: (error: unknown) => {
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
    sources[index]!().then(slot.onValue, slot.onError);
  };
  const anyReady = () => {
    for (const slot of slots) if (slot.ready) return true;
    return false;
  };

  for (let i = 0; i < sources.length; i++) arm(i);
  let rearmed = false;
  for (;;) {
    // A source re-armed in the last round may already hold a message (one queued while a handler
    // ran), but its promise settles only some microtasks from now. If another source is ready,
    // let the re-armed ones settle first, so the next round sees every tie (as Django's
    // asyncio.wait does). Costs one tick, and only when a round ends with a message waiting.
    if (rearmed && anyReady()) await settle();
    rearmed = false;
    while (!anyReady()) {
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
      await dispatch(value);
      arm(index);
      rearmed = true;
    }
  }
}
