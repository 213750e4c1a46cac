// Vitest hooks that start what a test file needs before its tests and stop it after.
export { useChannelLayer } from "./use-channel-layer";
export { useRabbitMQ } from "./use-rabbitmq";
export { useRedis } from "./use-redis";
