// @keel/prediction-intake: the predictions API's transports (HTTP with Fastify, NATS request/reply).
export * from './lib/http.intake';
export * from './lib/nats.intake';
