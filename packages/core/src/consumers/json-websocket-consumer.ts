import { InvalidFrameError } from "../exceptions";
import type { RouteKwargs } from "../routing/route-params";
import { markFrameworkClass } from "./reserved-names";
import { AsyncWebsocketConsumer, type WebsocketSendOptions } from "./websocket-consumer";

/**
 * A WebSocket consumer that speaks JSON text frames: override `receiveJson(content)`, call
 * `sendJson(content)`. `In` types what clients send (it is not checked at run time: validate it),
 * `Out` what you send. Binary frames, empty frames and invalid JSON are errors.
 */
export class AsyncJsonWebsocketConsumer<
  In = unknown,
  Out = unknown,
  Kwargs extends RouteKwargs = RouteKwargs,
> extends AsyncWebsocketConsumer<Kwargs> {
  /** Turns outgoing content into frame text; override for other encodings. */
  static encodeJson(content: unknown): string {
    let text: string | undefined;
    try {
      text = JSON.stringify(content);
    } catch (error) {
      throw new InvalidFrameError(`sendJson() could not encode its content: ${(error as Error).message}.`, {
        cause: error,
      });
    }
    if (text === undefined) {
      throw new InvalidFrameError(`sendJson() needs JSON-encodable content; got ${typeof content}.`);
    }
    return text;
  }

  /** Turns an incoming frame's text into content; override for other encodings. */
  static decodeJson(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new InvalidFrameError(`Invalid JSON in WebSocket text frame: ${(error as Error).message}.`, {
        cause: error,
      });
    }
  }

  override async receive(textData?: string, _bytesData?: Uint8Array): Promise<void> {
    if (!textData) {
      throw new InvalidFrameError(
        "No text section for incoming WebSocket frame! A JSON consumer takes non-empty text frames only; send binary data to an AsyncWebsocketConsumer.",
      );
    }
    const codec = this.constructor as typeof AsyncJsonWebsocketConsumer;
    await this.receiveJson(codec.decodeJson(textData) as In);
  }

  /** Called with each decoded frame. */
  async receiveJson(_content: In): Promise<void> {}

  /** Encodes `content` and sends it as a text frame. */
  async sendJson(content: Out, options?: WebsocketSendOptions): Promise<void> {
    const codec = this.constructor as typeof AsyncJsonWebsocketConsumer;
    await this.send(codec.encodeJson(content), options);
  }
}

markFrameworkClass(AsyncJsonWebsocketConsumer);
