import { CancelledError } from "../exceptions";
import type { Application, ReceiveEvent, Scope, SendEvent } from "../protocol/types";
import { AsyncQueue } from "./async-queue";
import { TimeoutError } from "./timeout-error";

/** What a test can feed an application: a protocol event, or any message with a `type` (as a layer would). */
export type InputMessage = ReceiveEvent | { type: string; [key: string]: unknown };

type AppState =
  | { status: "idle" }
  | { status: "running" }
  | { status: "done" }
  | { status: "failed"; error: unknown };

/**
 * Runs an application against in-memory queues, without a server: the test is the server. Feed it
 * with `sendInput`, read what it sends with `receiveOutput`. The application starts on first use.
 *
 * Timeouts cancel the application (its `receive()` and `send()` reject with `CancelledError`) and
 * throw `TimeoutError`. An exception inside the application rejects the next call.
 */
export class ApplicationCommunicator {
  readonly inputQueue = new AsyncQueue<InputMessage>();
  readonly outputQueue = new AsyncQueue<SendEvent>();
  private state: AppState = { status: "idle" };
  private completion: Promise<void> | null = null;
  private cancelled = false;

  constructor(
    readonly application: Application,
    readonly scope: Scope,
  ) {
    if (typeof application !== "function") {
      throw new TypeError(
        `ApplicationCommunicator takes an application (an async function, or Consumer.asAsgi()); got ${application === null ? "null" : typeof application}.`,
      );
    }
  }

  /** Puts `message` on the application's input queue. */
  async sendInput(message: InputMessage): Promise<void> {
    this.start();
    this.raiseIfFailed();
    this.inputQueue.put(message);
  }

  /** The next event the application sent, waiting up to `timeoutMs`. */
  async receiveOutput(timeoutMs = 1000): Promise<SendEvent> {
    this.start();
    if (this.outputQueue.size === 0) this.raiseIfFailed();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    try {
      const outcome = await Promise.race([this.outputQueue.get(controller.signal), timedOut, this.failure()]);
      if (outcome !== "timeout") return outcome;
      controller.abort(new TimeoutError("timeout"));
      this.raiseIfFailed();
      this.cancel();
      throw new TimeoutError(
        `The application sent nothing within ${timeoutMs} ms and was cancelled. Raise the timeout, or check that it sends what the test expects.`,
      );
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  /**
   * `true` if the application sends nothing within `timeoutMs` (checking every `intervalMs`),
   * `false` as soon as it has sent something, which stays queued for `receiveOutput`.
   */
  async receiveNothing(timeoutMs = 100, intervalMs = 10): Promise<boolean> {
    this.start();
    if (this.outputQueue.size > 0) return false;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))),
      );
      if (this.outputQueue.size > 0) return false;
    }
    this.raiseIfFailed();
    return this.outputQueue.size === 0;
  }

  /**
   * Waits for the application to finish. Rethrows its exception; if it is still running after
   * `timeoutMs` it is cancelled and this rejects with `TimeoutError`.
   */
  async wait(timeoutMs = 1000): Promise<void> {
    this.start();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    try {
      const outcome = await Promise.race([this.completion!.then(() => "done" as const), timedOut]);
      this.raiseIfFailed();
      if (outcome === "timeout") {
        this.cancel();
        throw new TimeoutError(`The application did not finish within ${timeoutMs} ms and was cancelled.`);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Cancels the application: its waiting and later `receive()` calls reject with `CancelledError`,
   * and so do its later `send()` calls.
   */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.inputQueue.fail(new CancelledError("The application was cancelled by the test communicator"));
  }

  /** Whether the application has finished (returned, failed or been cancelled and returned). */
  get done(): boolean {
    return this.state.status === "done" || this.state.status === "failed";
  }

  /** Whether a timeout (or `cancel()`) has cancelled the application. */
  get isCancelled(): boolean {
    return this.cancelled;
  }

  protected start(): void {
    if (this.state.status !== "idle") return;
    this.state = { status: "running" };
    const receive = () => this.inputQueue.get() as Promise<ReceiveEvent>;
    const send = async (event: SendEvent) => {
      if (this.cancelled) throw new CancelledError("The application was cancelled; it can send nothing more");
      this.outputQueue.put(event);
    };
    let run: Promise<void>;
    try {
      run = Promise.resolve(this.application(this.scope, receive, send));
    } catch (error) {
      run = Promise.reject(error);
    }
    this.completion = run.then(
      () => {
        this.state = { status: "done" };
      },
      (error: unknown) => {
        // Cancellation we asked for is not a failure.
        this.state =
          this.cancelled && error instanceof CancelledError
            ? { status: "done" }
            : { status: "failed", error };
      },
    );
  }

  /** Resolves never; rejects with the application's exception if it fails. */
  private failure(): Promise<never> {
    return this.completion!.then(() => {
      if (this.state.status === "failed") throw this.state.error;
      return new Promise<never>(() => {});
    });
  }

  protected raiseIfFailed(): void {
    if (this.state.status === "failed") throw this.state.error;
  }
}
