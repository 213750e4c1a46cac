/**
 * Every error channels-ts raises on purpose. Each sets `name` to its class name, so it survives
 * bundling, and says in its message what went wrong and what to do about it.
 */

/** Base class of channels-ts' own errors (not of the control-flow signals below). */
export class ChannelsError extends Error {
  override name = "ChannelsError";
}

/** Raise inside any consumer handler to end the consumer cleanly. */
export class StopConsumer extends Error {
  override name = "StopConsumer";
  constructor(message = "Consumer stopped") {
    super(message);
  }
}

/** Raise inside `connect()` to accept the WebSocket. */
export class AcceptConnection extends Error {
  override name = "AcceptConnection";
  constructor(message = "Connection accepted") {
    super(message);
  }
}

/** Raise inside `connect()` to reject the WebSocket (the server answers HTTP 403). */
export class DenyConnection extends Error {
  override name = "DenyConnection";
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
  constructor(message = "The application was cancelled") {
    super(message);
  }
}

/** `send()` to a channel that holds `capacity` messages already. `groupSend` never raises it. */
export class ChannelFull extends ChannelsError {
  override name = "ChannelFull";
  constructor(readonly channel?: string) {
    super(
      channel === undefined
        ? "Channel is full: its reader is too slow or gone. Retry later, or raise the layer's capacity."
        : `Channel "${channel}" is full: its reader is too slow or gone. Retry later, or raise the layer's capacity (capacity / channelCapacity).`,
    );
  }
}

/** A message bigger than the layer or the server accepts. */
export class MessageTooLarge extends ChannelsError {
  override name = "MessageTooLarge";
}

/** A channel layer is missing or misconfigured. */
export class InvalidChannelLayerError extends ChannelsError {
  override name = "InvalidChannelLayerError";
}

/** The channel layer was closed; it takes no more sends or receives. */
export class ChannelLayerClosed extends ChannelsError {
  override name = "ChannelLayerClosed";
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
}

/** A channel or group name that breaks the naming rules. A `TypeError`, as in Django. */
export class InvalidChannelNameError extends TypeError {
  override name = "InvalidChannelNameError";
}

/** A message or event of the wrong shape: not a plain object, no string `type`, a private type. */
export class InvalidMessageError extends TypeError {
  override name = "InvalidMessageError";
}

/** A consumer got a message whose type has no handler method. */
export class NoHandlerError extends ChannelsError {
  override name = "NoHandlerError";
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
}

/** No route matched the connection's path (or scope type, or channel name). */
export class RouteNotFound extends ChannelsError {
  override name = "RouteNotFound";
}

/** The application is assembled wrongly: middleware in the wrong order, a bad route, a bad option. */
export class ImproperlyConfigured extends ChannelsError {
  override name = "ImproperlyConfigured";
}

/**
 * A session was saved after its stored copy disappeared: the user logged out (or the session
 * expired) in another request meanwhile. Django's `SessionInterrupted`. Start over with a new session.
 */
export class SessionInterrupted extends ChannelsError {
  override name = "SessionInterrupted";
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

for (const cls of [
  StopConsumer,
  AcceptConnection,
  DenyConnection,
  CancelledError,
  ChannelFull,
  ChannelLayerClosed,
  RouteNotFound,
  InvalidChannelNameError,
  InvalidMessageError,
  ImproperlyConfigured,
]) {
  recogniseAcrossCopies(cls, cls.name);
}
