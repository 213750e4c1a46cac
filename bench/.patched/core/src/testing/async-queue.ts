/** An unbounded FIFO queue whose `get()` waits for the next item and can be aborted. */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<{ resolve(item: T): void; reject(error: unknown): void }> = [];
  private failure: { error: unknown } | null = null;

  get size(): number {
    return this.items.length;
  }

  put(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(item);
    else this.items.push(item);
  }

  get(signal?: AbortSignal): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    if (this.failure) return Promise.reject(this.failure.error);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        resolve: (item: T) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(item);
        },
        reject: (error: unknown) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Rejects every waiting and later `get()` with `error` once the queue is empty. */
  fail(error: unknown): void {
    this.failure = { error };
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}
