type Source<T> = () => Promise<T>;

/** Resolves after every pending microtask (however long its promise chain) has run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Slot<T> {
  ready: boolean;
  value: T | undefined;
  error: unknown;
  hasError: boolean;
}

/**
 * Django's `await_many_dispatch`: waits on every source at once and dispatches one message at a
 * time, in arrival order per source, earlier sources first when several are ready (the client
 * before the channel layer), except that a source passed over in favour of another goes next, so
 * neither can starve the other. A source is asked for its next message only after the previous one
 * was dispatched, so nothing is pulled that the consumer might not live to handle.
 *
 * Runs until `dispatch` or a source throws; the caller aborts the sources that are still waiting.
 */
export async function dispatchLoop<T>(
  sources: ReadonlyArray<Source<T>>,
  dispatch: (message: T) => Promise<void>,
) {
  const slots: Slot<T>[] = sources.map(() => ({
    ready: false,
    value: undefined,
    error: undefined,
    hasError: false,
  }));
  let wake: (() => void) | null = null;

  const arm = (index: number) => {
    const slot = slots[index]!;
    sources[index]!().then(
      (value) => {
        slot.value = value;
        slot.ready = true;
        wake?.();
      },
      (error: unknown) => {
        slot.error = error;
        slot.hasError = true;
        slot.ready = true;
        wake?.();
      },
    );
  };

  for (let i = 0; i < sources.length; i++) arm(i);
  // A source that was ready but lost the pick to an earlier one goes next. Without this, a stream
  // of client frames starves the layer: the consumer's channel fills up to capacity and group
  // messages to it are dropped (Django's rounds serve every ready source in turn).
  const passedOver = slots.map(() => false);
  const pick = () => {
    let first = -1;
    for (let i = 0; i < slots.length; i++) {
      if (!slots[i]!.ready) continue;
      if (passedOver[i]) return i;
      if (first === -1) first = i;
    }
    return first;
  };
  for (;;) {
    let index = pick();
    if (index === -1) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
      index = pick();
      if (index === -1) continue;
    }
    for (let i = 0; i < slots.length; i++) passedOver[i] = i !== index && slots[i]!.ready;
    const slot = slots[index]!;
    slot.ready = false;
    if (slot.hasError) throw slot.error;
    const value = slot.value as T;
    slot.value = undefined;
    await dispatch(value);
    arm(index);
    // The source just re-armed may already hold a message (one queued while the handler ran),
    // but its promise settles only some microtasks from now. If a later source has a message
    // ready, let the re-armed one settle first, so earlier sources win ties as in Django (whose
    // asyncio.wait sees both tasks done). Costs one macrotask, and only when there is a tie.
    if (slots.some((other, i) => i > index && other.ready)) await settle();
  }
}
