import {
  AcceptConnection,
  DenyConnection,
  InvalidChannelLayerError,
  InvalidMessageError,
  StopConsumer,
} from "../exceptions";
import type {
  Headers,
  WebSocketDisconnectEvent,
  WebSocketReceiveEvent,
  WebSocketScope,
} from "../protocol/types";
import type { RouteKwargs } from "../routing/route-params";
import { AsyncConsumer } from "./async-consumer";
import { markFrameworkClass } from "./reserved-names";

/** Options of `AsyncWebsocketConsumer.send`. */
export interface WebsocketSendOptions {
  /** Close the socket after sending: `true` closes without a code (the server sends 1000), a number closes with that code. */
  close?: boolean | number;
}

/**
 * A WebSocket consumer: override `connect`, `receive` and `disconnect`; call `accept`, `send` and
 * `close`. Channels listed in `groups` are joined before `connect()` and left on disconnect.
 */
export class AsyncWebsocketConsumer<Kwargs extends RouteKwargs = RouteKwargs> extends AsyncConsumer<Kwargs> {
  declare scope: WebSocketScope;
  /** Groups this consumer's channel joins before `connect()` runs and leaves on disconnect. */
  groups: string[] = [];
  private joinedGroups: string[] = [];

  async websocket_connect(_message: { type: "websocket.connect" }): Promise<void> {
    if (this.groups.length > 0) {
      const layer = this.requireGroupLayer();
      for (const group of this.groups) {
        await layer.groupAdd(group, this.channelName);
        this.joinedGroups.push(group);
      }
    }
    try {
      await this.connect();
    } catch (error) {
      if (error instanceof AcceptConnection) await this.accept();
      else if (error instanceof DenyConnection) await this.close();
      else throw error;
    }
  }

  /** Called when the client asks to connect. Accepts by default; throw `DenyConnection` or call `close()` to refuse. */
  async connect(): Promise<void> {
    await this.accept();
  }

  /** Accepts the connection, optionally choosing one of `scope.subprotocols` and adding response headers. */
  async accept(subprotocol: string | null = null, headers?: Headers): Promise<void> {
    await this.baseSend(
      headers && headers.length > 0
        ? { type: "websocket.accept", subprotocol, headers }
        : { type: "websocket.accept", subprotocol },
    );
  }

  async websocket_receive(message: WebSocketReceiveEvent): Promise<void> {
    if (message.text !== undefined && message.text !== null) await this.receive(message.text);
    else if (message.bytes !== undefined && message.bytes !== null)
      await this.receive(undefined, message.bytes);
    else {
      throw new InvalidMessageError(
        'A "websocket.receive" message needs a "text" string or a "bytes" Uint8Array; it had neither.',
      );
    }
  }

  /** Called with each frame: `textData` for text frames, `bytesData` for binary ones. */
  async receive(_textData?: string, _bytesData?: Uint8Array): Promise<void> {}

  /** Sends a text frame (string) or a binary frame (`Uint8Array`), then closes if `options.close` says so. */
  async send(data: string | Uint8Array, options: WebsocketSendOptions = {}): Promise<void> {
    if (typeof data === "string") await this.baseSend({ type: "websocket.send", text: data });
    else if (data instanceof Uint8Array) await this.baseSend({ type: "websocket.send", bytes: data });
    else {
      throw new TypeError(
        `send() takes a string (text frame) or a Uint8Array (binary frame); got ${data === null ? "null" : typeof data}. Use sendJson() on an AsyncJsonWebsocketConsumer for objects.`,
      );
    }
    if (options.close) await this.close(options.close);
  }

  /**
   * Closes the connection; before `accept()` this rejects the handshake (HTTP 403). Without a code
   * (or with `true`) the event carries none and the server sends 1000.
   */
  async close(code?: number | boolean, reason?: string): Promise<void> {
    const event: { type: "websocket.close"; code?: number; reason?: string } = { type: "websocket.close" };
    if (typeof code === "number") event.code = code;
    if (reason) event.reason = reason;
    await this.baseSend(event);
  }

  async websocket_disconnect(message: WebSocketDisconnectEvent): Promise<void> {
    await this.leaveGroups();
    await this.disconnect(message.code);
    throw new StopConsumer();
  }

  /**
   * The channel layer lost this consumer's group memberships (a Redis restart it could not repair)
   * and says so: close with 1011 so the client reconnects and joins its groups again, instead of
   * waiting for group messages that will never come.
   */
  async layer_groups_lost(_message: { type: "layer.groups_lost"; groups?: string[] }): Promise<void> {
    await this.close(1011);
  }

  /** Called once the connection is closed, with the close code. */
  async disconnect(_code: number): Promise<void> {}

  protected override async cleanup(): Promise<void> {
    // Cancelled before websocket.disconnect ran: leave the groups anyway, best effort.
    await this.leaveGroups().catch(() => {});
  }

  private async leaveGroups(): Promise<void> {
    const joined = this.joinedGroups;
    this.joinedGroups = [];
    if (joined.length === 0 || !this.channelLayer) return;
    for (const group of joined) await this.channelLayer.groupDiscard(group, this.channelName);
  }

  private requireGroupLayer() {
    const layer = this.channelLayer;
    if (!layer?.extensions.includes("groups")) {
      const alias = (this.constructor as typeof AsyncConsumer).channelLayerAlias;
      throw new InvalidChannelLayerError(
        `${this.constructor.name} lists groups, but no channel layer with groups is registered as "${alias}". ` +
          `Register one, e.g. channelLayers.set("${alias}", new InMemoryChannelLayer()), or pass serve(app, { layers: { ${alias}: layer } }).`,
      );
    }
    return layer;
  }
}

markFrameworkClass(AsyncWebsocketConsumer, ["groups", "joinedGroups"]);
