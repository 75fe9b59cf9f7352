/**
 * Config errors as the text an operator reads when an app refuses to start: one line per
 * problem, naming the setting and the value given (left out when there was none, or when
 * the setting is unknown and its value might be a secret).
 */
import { ValidationError } from '@keel/events';

const shown = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

/** `KEEL_HTTP_PORT: must be an integer from 0 to 65535 (got "abc")`. */
export const formatConfigError = (e: ValidationError): string =>
  `${e.path || '(config)'}: ${e.message}${e.value === undefined ? '' : ` (got ${shown(e.value)})`}`;

/** All problems, one per line, under a heading that says why the app stopped. */
export const formatConfigErrors = (errors: readonly ValidationError[]): string =>
  [
    `invalid configuration (${errors.length} ${errors.length === 1 ? 'problem' : 'problems'}):`,
    ...errors.map((e) => `  ${formatConfigError(e)}`),
  ].join('\n');
