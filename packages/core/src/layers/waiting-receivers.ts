import type { LayerMessage } from "../protocol/types";

interface Waiter {
  channel: string;
  resolve(message: LayerMessage): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Receivers waiting for messages, per channel, first come first served: the part every layer's
 * `receive()` shares. A message handed to a waiter leaves here in the same tick and an aborted
 * waiter is removed before its promise rejects, so aborting a receive never loses a message.
 */
export class WaitingReceivers {
  private readonly waiters = new Map<string, Waiter[]>();
  /**
   * Waiters parked under each abort signal. A consumer passes the same signal to every
   * receive(), so one "abort" listener per signal, added the first time, replaces an
   * addEventListener/removeEventListener pair per message (Node's EventTarget makes those costly:
   * ~4% of a busy echo server).
   */
  private readonly parked = new WeakMap<AbortSignal, Set<Waiter>>();

  /**
   * Waits for the next message `deliver`ed to `channel`. Aborting `signal` removes the waiter,
   * calls `onAbort` and rejects with the signal's reason.
   */
  wait(channel: string, signal?: AbortSignal, onAbort?: () => void): Promise<LayerMessage> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<LayerMessage>((resolve, reject) => {
      const waiter: Waiter = { channel, resolve, reject, signal, onAbort };
      if (signal) {
        let parked = this.parked.get(signal);
        if (!parked) {
          const waiting = new Set<Waiter>();
          parked = waiting;
          this.parked.set(signal, waiting);
          signal.addEventListener(
            "abort",
            () => {
              for (const w of waiting) {
                this.remove(w.channel, w);
                w.onAbort?.();
                w.reject(signal.reason);
              }
              waiting.clear();
            },
            { once: true },
          );
        }
        parked.add(waiter);
      }
      const list = this.waiters.get(channel);
      if (list) list.push(waiter);
      else this.waiters.set(channel, [waiter]);
    });
  }

  /** Hands `message` to the first receiver waiting on `channel`; `false` when none waits. */
  deliver(channel: string, message: LayerMessage): boolean {
    const list = this.waiters.get(channel);
    if (!list) return false;
    const waiter = list.shift()!;
    if (list.length === 0) this.waiters.delete(channel);
    this.detach(waiter);
    waiter.resolve(message);
    return true;
  }

  /** How many receivers wait on `channel`. */
  count(channel: string): number {
    return this.waiters.get(channel)?.length ?? 0;
  }

  /** Every channel with waiting receivers, and how many wait on it. */
  *channels(): IterableIterator<[channel: string, waiting: number]> {
    for (const [channel, list] of this.waiters) yield [channel, list.length];
  }

  /** Rejects the receivers waiting on `channel` (or on every channel) with `error`. */
  rejectAll(error: unknown, channel?: string): void {
    const lists = channel === undefined ? [...this.waiters.values()] : [this.waiters.get(channel) ?? []];
    if (channel === undefined) this.waiters.clear();
    else this.waiters.delete(channel);
    for (const list of lists) {
      for (const waiter of list) {
        this.detach(waiter);
        waiter.reject(error);
      }
    }
  }

  private detach(waiter: Waiter): void {
    if (waiter.signal) this.parked.get(waiter.signal)?.delete(waiter);
  }

  private remove(channel: string, waiter: Waiter): void {
    const list = this.waiters.get(channel);
    if (!list) return;
    const index = list.indexOf(waiter);
    if (index !== -1) list.splice(index, 1);
    if (list.length === 0) this.waiters.delete(channel);
  }
}
