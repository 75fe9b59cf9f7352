/**
 * The logging the bus needs, as a structural type: pino's logger fits it, and the bus
 * does not import pino (apps own the logger and its configuration).
 */
export interface BusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** For callers that pass no logger: the bus still works, silently. */
export const silentLogger: BusLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
