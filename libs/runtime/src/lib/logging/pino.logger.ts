/**
 * Structured logs: one JSON object per line (pino), so the demo, containers and log
 * shippers all read the same thing. Every line carries the app name; lines about one
 * flow of work carry its correlation and causation ids, which are the ids on the events
 * themselves, so a log line can be joined to the event log.
 */
import pino from 'pino';
import { LogLevel } from '../config/base-app.schema';

/** The logger type used across Keel (pino's). */
export type Logger = pino.Logger;

export interface LoggerOptions {
  /** The app or component name; written as `name` on every line. */
  readonly name: string;
  /** `silent` is for tests that do not want output. */
  readonly level: LogLevel | 'silent';
  /** Default stdout; a stream is for tests that read the lines back. */
  readonly destination?: 'stdout' | 'stderr' | pino.DestinationStream;
}

/** A JSON-lines logger with ISO timestamps. */
export const createLogger = ({ name, level, destination = 'stdout' }: LoggerOptions): Logger =>
  pino(
    {
      name,
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names ("info") rather than numbers (30): readable without a pino-aware viewer.
      formatters: { level: (label) => ({ level: label }) },
    },
    typeof destination === 'string'
      ? // Synchronous writes so the last lines before an exit are not lost.
        pino.destination({ fd: destination === 'stdout' ? 1 : 2, sync: true })
      : destination,
  );

/** A child logger whose every line carries the ids of the flow it works on. */
export const withCorrelation = (logger: Logger, correlationId: string, causationId?: string): Logger =>
  logger.child(causationId === undefined ? { correlationId } : { correlationId, causationId });
