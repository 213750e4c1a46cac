import type { Application } from "../protocol/types";
import { ApplicationInstance } from "./instance";
import type { Logger } from "./logger";
import type { ResolvedOptions } from "./options";

/**
 * The application instance of one client connection (an HTTP request, a WebSocket). It keeps its
 * own deadlines and knows how to end itself; the server only calls these three methods.
 */
export abstract class ConnectionInstance extends ApplicationInstance {
  /**
   * One tick of the server's timer (`now` on `clock()`): act on this connection's own deadlines
   * (handshake timeout, keepalive, HTTP timeout). Returns false once none is left to watch.
   */
  abstract sweep(now: number): boolean;
  /** Server shutdown began: close the connection politely (1001, 503, end a streaming response). */
  abstract goAway(): void;
  /** Shutdown ran out of time: drop the connection without ceremony. */
  abstract terminate(): void;
}

/**
 * What a protocol sees of the server that composes it (Daphne's `protocol_connected` /
 * `protocol_disconnected`): the application, the options, the logger, and two reports.
 */
export interface ProtocolHost {
  readonly app: Application;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  /** False with `logger: null`: access lines are then not even formatted. */
  readonly accessLog: boolean;
  /** True once shutdown began: new requests and handshakes are refused with 503. */
  readonly closing: boolean;
  /** Lifespan state that request scopes copy, or `null` without lifespan. */
  readonly lifespanState: Record<string, unknown> | null;
  /** A new connection: the server tracks its instance and runs the application on it. */
  connected(instance: ConnectionInstance): void;
  /** The client is gone: the instance is cancelled if it still runs `applicationCloseTimeoutMs` later. */
  disconnected(instance: ConnectionInstance): void;
}

/** What the server asks of each protocol it composes. */
export interface Protocol {
  /** The finest deadline this protocol keeps, in ms: the server's timer ticks at a fraction of it. */
  readonly deadlineMs: number;
  /** One tick of the server's timer: sweep the connections that have deadlines. */
  checkTimeouts(now: number): void;
  /** End of shutdown: drop every connection this protocol still holds. */
  terminate(): void;
  /** After shutdown: release what the protocol holds (ws's server). */
  close(): void;
}
