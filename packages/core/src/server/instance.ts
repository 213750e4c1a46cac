import { CancelledError, ProtocolError } from "../exceptions";
import type { Application, ReceiveEvent, Scope, SendEvent } from "../protocol/types";

/**
 * Milliseconds on a monotonic clock since the process started: small integers, which V8 stores
 * inline (a `Date.now()` value would cost a heap number per timestamp field per connection).
 */
export function clock(): number {
  return Math.floor(performance.now());
}

/** Queued events past which a connection stops reading from its client until the app catches up. */
export const HIGH_WATER = 64;
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * One running application instance and its event inbox. Subclasses speak one protocol: they
 * `deliver()` client events, and implement `handleSend()` for what the application sends.
 *
 * Cancellation (the project-wide contract): `cancel()` makes the pending and every later
 * `receive()` and `send()` reject with `CancelledError`; consumers end quietly on it.
 */
export abstract class ApplicationInstance {
  abstract readonly scope: Scope;
  /** Events delivered while the application was not waiting; `null` until first needed. */
  private queue: ReceiveEvent[] | null = null;
  private resolveNext: ((event: ReceiveEvent) => void) | null = null;
  private rejectNext: ((error: unknown) => void) | null = null;
  cancelled = false;
  finished = false;
  /** Called once when the application returns, throws or is cancelled and settles. */
  onFinished: ((instance: ApplicationInstance) => void) | null = null;

  readonly receive = (): Promise<ReceiveEvent> => {
    if (this.cancelled) return Promise.reject(new CancelledError());
    const queue = this.queue;
    if (queue !== null && queue.length > 0) {
      const event = queue.shift() as ReceiveEvent;
      const left = queue.length;
      if (left === 0)
        this.queue = null; // an idle connection keeps no array
      else if (left === HIGH_WATER / 2) this.onQueueDrained();
      return Promise.resolve(event);
    }
    if (this.resolveNext !== null) {
      return Promise.reject(
        new ProtocolError(
          "receive() was called while an earlier receive() is still pending: await each receive() in turn.",
        ),
      );
    }
    const next = new Promise<ReceiveEvent>((resolve, reject) => {
      this.resolveNext = resolve;
      this.rejectNext = reject;
    });
    this.onReceiveWaiting();
    return next;
  };

  readonly send = (event: SendEvent): Promise<void> => {
    if (this.cancelled) return Promise.reject(new CancelledError());
    if (event === null || typeof event !== "object" || typeof event.type !== "string") {
      return Promise.reject(
        new TypeError(
          `send() takes an event object with a string type, e.g. {type: "websocket.send", text}; got ${String(event)}.`,
        ),
      );
    }
    try {
      return this.handleSend(event) ?? RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  };

  /** Hands `event` to the application's pending `receive()`, or queues it. */
  deliver(event: ReceiveEvent): void {
    const resolve = this.resolveNext;
    if (resolve !== null) {
      this.resolveNext = null;
      this.rejectNext = null;
      resolve(event);
      return;
    }
    if (this.queue === null) this.queue = [];
    if (this.queue.push(event) === HIGH_WATER) this.onQueueFull();
  }

  /** True while the application waits in `receive()`. */
  get waiting(): boolean {
    return this.resolveNext !== null;
  }

  cancel(): void {
    if (this.cancelled || this.finished) return;
    this.cancelled = true;
    const reject = this.rejectNext;
    this.resolveNext = null;
    this.rejectNext = null;
    this.queue = null;
    reject?.(new CancelledError());
    this.onCancelled();
  }

  /** Runs the application. Never throws: failures go to `onApplicationError`. */
  start(app: Application): void {
    let result: unknown;
    try {
      result = app(this.scope, this.receive, this.send);
    } catch (error) {
      this.settle(error, true);
      return;
    }
    if (
      result === null ||
      typeof result !== "object" ||
      typeof (result as Promise<void>).then !== "function"
    ) {
      this.settle(
        new TypeError(
          "The application must be an async function (scope, receive, send) => Promise<void>; it returned no promise.",
        ),
        true,
      );
      return;
    }
    (result as Promise<void>).then(
      () => this.settle(undefined, false),
      (error: unknown) => this.settle(error, true),
    );
  }

  private settle(error: unknown, failed: boolean): void {
    this.finished = true;
    this.resolveNext = null;
    this.rejectNext = null;
    this.queue = null;
    if (failed && !(error instanceof CancelledError && this.cancelled)) this.onApplicationError(error);
    else this.onApplicationReturn();
    this.onFinished?.(this);
  }

  /** The application sent `event` (type already checked to be a string). */
  protected abstract handleSend(event: SendEvent): Promise<void> | undefined;
  /** The application returned normally (or ended on its own cancellation). */
  protected abstract onApplicationReturn(): void;
  /** The application threw. */
  protected abstract onApplicationError(error: unknown): void;
  /** The application waits in `receive()` with nothing queued. */
  protected onReceiveWaiting(): void {}
  /** `HIGH_WATER` events are queued: stop reading from the client. */
  protected onQueueFull(): void {}
  /** The queue fell back to half of `HIGH_WATER`: read from the client again. */
  protected onQueueDrained(): void {}
  /** `cancel()` ran. */
  protected onCancelled(): void {}
}
