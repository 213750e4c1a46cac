import { ChannelLayerUnavailable } from "@channels-ts/core";

/**
 * The broker could not be reached (or did not confirm) within `sendTimeoutMs`. The layer keeps
 * reconnecting in the background; retry the call later.
 */
export class RabbitMQUnavailableError extends ChannelLayerUnavailable {
  override name = "RabbitMQUnavailableError";
  override readonly code = "CHANNELS_ERR_RABBITMQ_UNAVAILABLE";
}

/** `url` with its password hidden, for error messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
}
