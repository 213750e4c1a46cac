export { type DenialResponse, denyConnection, sendDenial, supportsDenialResponse } from "./denial";
export {
  AllowedHostsOriginValidator,
  type AllowedHostsOriginValidatorOptions,
  OriginValidator,
  type OriginValidatorOptions,
} from "./origin-validator";
export { WebsocketDenier } from "./websocket-denier";
