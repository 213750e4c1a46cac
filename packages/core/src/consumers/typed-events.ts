import type { ChannelLayer } from "../layers/base";

/** The handler a type dispatches to, as a type: `"chat.message"` → `"chat_message"`. */
export type HandlerNameOf<T extends string> = T extends `${infer Head}.${infer Tail}`
  ? `${Head}_${HandlerNameOf<Tail>}`
  : T;

// Not layer events an app sends: the server's protocol events, and the layer's own notices
// (`layer.groups_lost`).
type FrameworkHandler = `websocket_${string}` | `http_${string}` | `lifespan_${string}` | `layer_${string}`;

/** Those of `Types` that dispatch to the handler `Name`. */
type TypesFor<Types, Name> = Types extends string
  ? HandlerNameOf<Types> extends Name
    ? Types
    : never
  : never;

/** The event a handler method takes, narrowed to the types that reach it; `never` if it is not a handler. */
type EventOfHandler<Name, Method> = Method extends (event: infer E) => unknown
  ? E extends { type: infer T extends string }
    ? string extends T
      ? never // a catch-all such as dispatch(message): not a handler of a type
      : [TypesFor<T, Name>] extends [never]
        ? never
        : E & { type: TypesFor<T, Name> }
    : never
  : never;

/**
 * The layer events a consumer class handles, derived from its handler methods: a method
 * `chat_message(event: { type: "chat.message"; text: string })` contributes that event. Framework
 * handlers (`websocket_*`, `http_*`, `lifespan_*`, and `layer_*` for the layer's own notices) are
 * not among them.
 *
 * ```ts
 * type RoomEvents = LayerEventsOf<ChatConsumer>; // { type: "chat.message"; text: string } | …
 * ```
 */
export type LayerEventsOf<C> = {
  [K in keyof C]: K extends FrameworkHandler ? never : EventOfHandler<K, C[K]>;
}[keyof C];

/**
 * A channel layer whose `send` and `groupSend` take only `Events`: a misspelt type or a wrong
 * payload is a compile error. The same object as the layer; only its type differs.
 */
export interface TypedChannelLayer<Events extends { type: string }>
  extends Omit<ChannelLayer, "send" | "groupSend"> {
  /** `ChannelLayer.send`, taking only `Events`. */
  send(channel: string, message: Events): Promise<void>;
  /** `ChannelLayer.groupSend`, taking only `Events`. */
  groupSend(group: string, message: Events): Promise<void>;
}

/**
 * Types `layer` against the handlers of consumer class `C` (the receiving one):
 *
 * ```ts
 * await typedLayer<ChatConsumer>(this.channelLayer!).groupSend(room, { type: "chat.message", text });
 * ```
 * Costs nothing at run time; the untyped `layer.groupSend` keeps working.
 */
export function typedLayer<C>(layer: ChannelLayer): TypedChannelLayer<LayerEventsOf<C>> {
  return layer as TypedChannelLayer<LayerEventsOf<C>>;
}
