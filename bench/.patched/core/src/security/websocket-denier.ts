import { AsyncWebsocketConsumer } from "../consumers/websocket-consumer";
import { sendDenial } from "./denial";

/**
 * A consumer that refuses every WebSocket: with an HTTP 403 denial response when the server
 * supports one, else by closing before accept (which servers also answer with 403). Subclass and
 * change `denialStatus`/`denialBody` for another answer. Mount it with `WebsocketDenier.asAsgi()`.
 */
export class WebsocketDenier extends AsyncWebsocketConsumer {
  /** HTTP status of the denial response. @default 403 */
  static denialStatus = 403;
  /** Body of the denial response. @default "Access denied" */
  static denialBody = "Access denied";

  override async connect(): Promise<void> {
    const { denialStatus, denialBody } = this.constructor as typeof WebsocketDenier;
    await sendDenial(this.scope, this.baseSend, { status: denialStatus, body: denialBody });
  }
}
