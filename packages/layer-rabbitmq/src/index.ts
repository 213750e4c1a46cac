export { RabbitMQUnavailableError } from "./errors";
export type { RabbitMQChannelLayerOptions } from "./options";
export { RabbitMQChannelLayer } from "./rabbitmq-layer";
