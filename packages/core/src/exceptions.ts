/**
 * Every error class of core, in one place (docs/topics/errors.md lists them with the layers' own).
 * Each sets `name` to its class name, so it survives bundling, carries a stable `code` to match
 * on (`CHANNELS_ERR_*`, as ws has `WS_ERR_*`), and says in its message what went wrong and what
 * to do about it.
 */

// Marks channels-ts' errors across copies of this package (ESM and CJS loaded together) and across
// base classes: InvalidChannelNameError must stay a TypeError, yet be a ChannelsError too.
const CHANNELS_ERROR = Symbol.for("channels-ts.ChannelsError");

/**
 * Base class of channels-ts' own errors (not of the control-flow signals below).
 * `InvalidChannelNameError` and `InvalidMessageError` are `TypeError`s and count as `ChannelsError`s too.
 */
export class ChannelsError extends Error {
  override name = "ChannelsError";
  /** Stable identifier of the error, for programs to match on. */
  readonly code: string = "CHANNELS_ERR";
}

/** Raise inside any consumer handler to end the consumer cleanly. */
export class StopConsumer extends Error {
  override name = "StopConsumer";
  readonly code = "CHANNELS_ERR_STOP_CONSUMER";
  constructor(message = "Consumer stopped") {
    super(message);
  }
}

/** Raise inside `connect()` to accept the WebSocket. */
export class AcceptConnection extends Error {
  override name = "AcceptConnection";
  readonly code = "CHANNELS_ERR_ACCEPT_CONNECTION";
  constructor(message = "Connection accepted") {
    super(message);
  }
}

/** Raise inside `connect()` to reject the WebSocket (the server answers HTTP 403). */
export class DenyConnection extends Error {
  override name = "DenyConnection";
  readonly code = "CHANNELS_ERR_DENY_CONNECTION";
  constructor(message = "Connection denied") {
    super(message);
  }
}

/**
 * The application was cancelled: by a test communicator's timeout, or by the server after the
 * client went away and the application-close timeout ran out. `receive()` and `send()` reject with
 * it from then on.
 */
export class CancelledError extends Error {
  override name = "CancelledError";
  readonly code = "CHANNELS_ERR_CANCELLED";
  constructor(message = "The application was cancelled") {
    super(message);
  }
}

/** `send()` to a channel that holds `capacity` messages already. `groupSend` never raises it. */
export class ChannelFull extends ChannelsError {
  override name = "ChannelFull";
  override readonly code = "CHANNELS_ERR_CHANNEL_FULL";
  constructor(readonly channel?: string) {
    super(
      channel === undefined
        ? "Channel is full: its reader is too slow or gone. Retry later, or raise the layer's capacity."
        : `Channel "${channel}" is full: its reader is too slow or gone. Retry later, or raise the layer's capacity (capacity / channelCapacity).`,
    );
  }
}

/**
 * A message bigger than the layer or the server accepts. Part of the public API;
 * nothing in this repository throws it yet (the server closes an oversized WebSocket frame with 1009).
 */
export class MessageTooLarge extends ChannelsError {
  override name = "MessageTooLarge";
  override readonly code = "CHANNELS_ERR_MESSAGE_TOO_LARGE";
}

/** A channel layer is missing or misconfigured. */
export class InvalidChannelLayerError extends ChannelsError {
  override name = "InvalidChannelLayerError";
  override readonly code = "CHANNELS_ERR_INVALID_CHANNEL_LAYER";
}

/** The channel layer was closed; it takes no more sends or receives. */
export class ChannelLayerClosed extends ChannelsError {
  override name = "ChannelLayerClosed";
  override readonly code = "CHANNELS_ERR_CHANNEL_LAYER_CLOSED";
  constructor(message = "The channel layer is closed. Create a new layer to send or receive again.") {
    super(message);
  }
}

/**
 * The layer's backend (Redis, RabbitMQ, …) could not be reached within the layer's bounded wait:
 * the operation was not done, or may not have been. Layers throw subclasses naming the backend.
 */
export class ChannelLayerUnavailable extends ChannelsError {
  override name = "ChannelLayerUnavailable";
  override readonly code: string = "CHANNELS_ERR_CHANNEL_LAYER_UNAVAILABLE";
}

/** A channel or group name that breaks the naming rules. A `TypeError`, as in Django, and a `ChannelsError`. */
export class InvalidChannelNameError extends TypeError {
  override name = "InvalidChannelNameError";
  readonly code = "CHANNELS_ERR_INVALID_CHANNEL_NAME";
}

/**
 * A message or event of the wrong shape: not a plain object, no string `type`, a private type.
 * A `TypeError` and a `ChannelsError`.
 */
export class InvalidMessageError extends TypeError {
  override name = "InvalidMessageError";
  readonly code = "CHANNELS_ERR_INVALID_MESSAGE";
}

/** A consumer got a message whose type has no handler method. */
export class NoHandlerError extends ChannelsError {
  override name = "NoHandlerError";
  override readonly code = "CHANNELS_ERR_NO_HANDLER";
  constructor(
    readonly messageType: string,
    readonly handlerName: string,
    consumerName: string,
    /** The type names one of the framework's own methods, which messages can never reach. */
    readonly reserved = false,
  ) {
    super(
      reserved
        ? `Message type "${messageType}" on ${consumerName} names the framework method ${handlerName}(), which ` +
            `messages cannot reach: give the message another type (e.g. "app.${messageType}" handled by ` +
            `app_${handlerName}(message)), or override handleUnknown(message) to ignore or log such messages.`
        : `No handler for message type "${messageType}" on ${consumerName}: define a method ` +
            `${handlerName}(message), or override handleUnknown(message) to ignore or log such messages.`,
    );
  }
}

/** A WebSocket frame a consumer cannot take: binary or empty text for a JSON consumer, invalid JSON. */
export class InvalidFrameError extends ChannelsError {
  override name = "InvalidFrameError";
  override readonly code = "CHANNELS_ERR_INVALID_FRAME";
}

/** No route matched the connection's path (or scope type, or channel name). */
export class RouteNotFound extends ChannelsError {
  override name = "RouteNotFound";
  override readonly code = "CHANNELS_ERR_ROUTE_NOT_FOUND";
}

/** The application is assembled wrongly: middleware in the wrong order, a bad route, a bad option. */
export class ImproperlyConfigured extends ChannelsError {
  override name = "ImproperlyConfigured";
  override readonly code = "CHANNELS_ERR_IMPROPERLY_CONFIGURED";
}

/**
 * A session was saved after its stored copy disappeared: the user logged out (or the session
 * expired) in another request meanwhile. Django's `SessionInterrupted`. Start over with a new session.
 */
export class SessionInterrupted extends ChannelsError {
  override name = "SessionInterrupted";
  override readonly code = "CHANNELS_ERR_SESSION_INTERRUPTED";
}

/**
 * The application broke the protocol's order: a send before `websocket.accept`, a second
 * `http.response.start`, a body before its start. The message says which event to send instead.
 */
export class ProtocolError extends ChannelsError {
  override name = "ProtocolError";
  override readonly code = "CHANNELS_ERR_PROTOCOL";
}

/** A test communicator's call ran out of time; the application was cancelled. Exported from `@channels-ts/core/testing`. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  readonly code = "CHANNELS_ERR_TIMEOUT";
}

/**
 * `instanceof` that also recognises the same class from another copy of this package, as when the
 * ES-module `channels` CLI loads a CommonJS application (Node's dual-package hazard): the server
 * and the consumers must agree on what `StopConsumer` or `CancelledError` is.
 */
function recogniseAcrossCopies(cls: abstract new (...args: never[]) => Error, name: string): void {
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (Function.prototype[Symbol.hasInstance].call(this as () => void, value)) return true;
      return this === cls && value instanceof Error && value.name === name;
    },
  });
}

for (const cls of [InvalidChannelNameError, InvalidMessageError]) {
  Object.defineProperty(cls.prototype, CHANNELS_ERROR, { value: true });
}
Object.defineProperty(ChannelsError.prototype, CHANNELS_ERROR, { value: true });

// `instanceof ChannelsError` holds for every error marked above, from this copy or another.
Object.defineProperty(ChannelsError, Symbol.hasInstance, {
  value(this: unknown, value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this as () => void, value)) return true;
    if (this !== ChannelsError) return false;
    return value instanceof Error && (value as unknown as Record<symbol, unknown>)[CHANNELS_ERROR] === true;
  },
});

for (const cls of [
  StopConsumer,
  AcceptConnection,
  DenyConnection,
  CancelledError,
  ChannelFull,
  MessageTooLarge,
  InvalidChannelLayerError,
  ChannelLayerClosed,
  ChannelLayerUnavailable,
  InvalidChannelNameError,
  InvalidMessageError,
  NoHandlerError,
  InvalidFrameError,
  RouteNotFound,
  ImproperlyConfigured,
  SessionInterrupted,
  ProtocolError,
  TimeoutError,
]) {
  recogniseAcrossCopies(cls, cls.name);
}
