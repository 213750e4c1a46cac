import { RouteNotFound } from "../exceptions";
import type { Application, LifespanScope, SendEvent } from "../protocol/types";
import { ApplicationInstance } from "./instance";
import type { Logger } from "./logger";

/** The application answered `lifespan.startup.failed`: the server does not start. */
export class LifespanStartupFailed extends Error {
  override name = "LifespanStartupFailed";
}

type Phase = "startup" | "shutdown";

/**
 * The lifespan scope (ASGI lifespan 2.0): one application instance for the server's lifetime,
 * told `lifespan.startup` before the server listens and `lifespan.shutdown` when it closes.
 * An application that raises on the scope (a `ProtocolTypeRouter` without `lifespan`) or returns
 * before answering runs without lifespan, as the spec says.
 */
export class Lifespan extends ApplicationInstance {
  readonly scope: LifespanScope = {
    type: "lifespan",
    asgi: { version: "3.0", spec_version: "2.0" },
    state: {},
  };
  /** False once the application showed it does not speak lifespan. */
  supported = true;
  private phase: Phase | null = null;
  private settlePhase: ((error: Error | null) => void) | null = null;

  constructor(
    private readonly app: Application,
    private readonly logger: Logger,
  ) {
    super();
  }

  /** The state request scopes get a copy of, or `null` when the application has no lifespan. */
  get state(): Record<string, unknown> | null {
    return this.supported ? (this.scope.state as Record<string, unknown>) : null;
  }

  /** Resolves after `lifespan.startup.complete` (or without lifespan); rejects on `.failed`. */
  startup(): Promise<void> {
    const done = this.waitFor("startup");
    this.deliver({ type: "lifespan.startup" });
    this.start(this.app);
    return done;
  }

  /** Resolves after `lifespan.shutdown.complete`, `.failed` (logged) or `timeoutMs`. */
  async shutdown(timeoutMs: number): Promise<void> {
    if (!this.supported || this.finished) return;
    const done = this.waitFor("shutdown");
    this.deliver({ type: "lifespan.shutdown" });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<Error>((resolve) => {
      timer = setTimeout(
        () => resolve(new Error(`no lifespan.shutdown.complete within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    const error = await Promise.race([
      done.then(
        () => null,
        (e: Error) => e,
      ),
      timedOut,
    ]);
    clearTimeout(timer);
    if (error !== null) {
      this.logger.error({ event: "lifespan.shutdown_failed" }, `Lifespan shutdown failed: ${error.message}`);
      this.cancel();
    }
  }

  /** Closing before startup finished: stop waiting for it and cancel the instance. */
  abortStartup(): void {
    if (this.phase !== "startup") return;
    this.supported = false;
    this.settlePhase?.(new Error("The server was closed before lifespan startup completed."));
    this.cancel();
  }

  private waitFor(phase: Phase): Promise<void> {
    this.phase = phase;
    return new Promise<void>((resolve, reject) => {
      this.settlePhase = (error) => {
        this.phase = null;
        this.settlePhase = null;
        if (error === null) resolve();
        else reject(error);
      };
    });
  }

  protected handleSend(event: SendEvent): undefined {
    const expected = this.phase;
    switch (event.type) {
      case "lifespan.startup.complete":
      case "lifespan.shutdown.complete":
        if (expected === null || event.type !== `lifespan.${expected}.complete`) break;
        this.settlePhase?.(null);
        return undefined;
      case "lifespan.startup.failed":
      case "lifespan.shutdown.failed": {
        if (expected === null || event.type !== `lifespan.${expected}.failed`) break;
        const message =
          typeof event.message === "string" && event.message !== "" ? event.message : "no message";
        this.settlePhase?.(
          expected === "startup"
            ? new LifespanStartupFailed(`Application startup failed: ${message}`)
            : new Error(`the application sent lifespan.shutdown.failed: ${message}`),
        );
        return undefined;
      }
    }
    throw new TypeError(
      `Cannot send "${event.type}" on the lifespan scope${expected ? ` during ${expected}` : ""}: answer lifespan.${expected ?? "startup"} with lifespan.${expected ?? "startup"}.complete or .failed.`,
    );
  }

  protected onApplicationReturn(): void {
    this.endedEarly(null);
  }

  protected onApplicationError(error: unknown): void {
    this.endedEarly(error);
  }

  private endedEarly(error: unknown): void {
    if (this.phase === "startup") {
      // The application does not speak lifespan: serve without it.
      this.supported = false;
      if (error !== null && !(error instanceof RouteNotFound)) {
        this.logger.warn(
          { event: "lifespan.unsupported", err: error },
          "The application raised on the lifespan scope; serving without lifespan events:",
        );
      }
      this.settlePhase?.(null);
    } else if (this.phase === "shutdown") {
      if (error !== null) this.settlePhase?.(error instanceof Error ? error : new Error(String(error)));
      else this.settlePhase?.(null);
    } else if (error !== null) {
      this.logger.error({ event: "lifespan.error", err: error }, "The lifespan application raised:");
    }
  }
}
