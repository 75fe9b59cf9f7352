/**
 * Keel's error vocabulary. Every failure is a tagged value, never a thrown exception, and
 * each variant says what the system does about it. The four families follow emmett:
 * validation, illegal state, not found, concurrency; infrastructure failures are a fifth.
 */

/** Input broke a schema or rule. Action: reject; never persisted, never retried. */
export interface ValidationError {
  readonly _tag: 'ValidationError';
  /** JSON-pointer-like path of the offending field, e.g. `/data/qty`; `''` for the whole value. */
  readonly path: string;
  /** The offending value, as received (may be `undefined` when a field is missing). */
  readonly value: unknown;
  readonly message: string;
}

/** A command does not fit the aggregate's current state. Action: reject with the reason. */
export interface IllegalStateError {
  readonly _tag: 'IllegalStateError';
  readonly message: string;
}

/** The thing asked for does not exist. Action: reject, or treat as empty where the caller allows. */
export interface NotFoundError {
  readonly _tag: 'NotFoundError';
  readonly what: string;
  readonly id: string;
}

/**
 * An optimistic-concurrency check failed: someone else wrote the stream first.
 * Action: re-read the stream, re-decide, retry (or give up and report after N tries).
 */
export interface ConcurrencyError {
  readonly _tag: 'ConcurrencyError';
  readonly stream: string;
  readonly expected: string;
  readonly actual: string;
}

/**
 * A dependency (store, bus, venue) failed or timed out. Action: stop sending new orders,
 * report not-ready, retry with backoff; the outcome of a write that timed out is unknown
 * until it is looked up.
 */
export interface InfrastructureError {
  readonly _tag: 'InfrastructureError';
  readonly component: string;
  readonly op: string;
  readonly message: string;
  readonly cause?: unknown;
}

export type KeelError =
  ValidationError | IllegalStateError | NotFoundError | ConcurrencyError | InfrastructureError;

export const validationError = (path: string, value: unknown, message: string): ValidationError => ({
  _tag: 'ValidationError',
  path,
  value,
  message,
});

export const infrastructureError = (component: string, op: string, cause: unknown): InfrastructureError => ({
  _tag: 'InfrastructureError',
  component,
  op,
  message: cause instanceof Error ? cause.message : String(cause),
  cause,
});

/** One line for logs and CLI output, naming the field and the value where there is one. */
export const describeError = (e: KeelError): string => {
  switch (e._tag) {
    case 'ValidationError':
      return `${e.path || '(value)'}: ${e.message} (got ${safeJson(e.value)})`;
    case 'IllegalStateError':
      return e.message;
    case 'NotFoundError':
      return `${e.what} not found: ${e.id}`;
    case 'ConcurrencyError':
      return `concurrency conflict on ${e.stream}: expected revision ${e.expected}, actual ${e.actual}`;
    case 'InfrastructureError':
      return `${e.component} ${e.op} failed: ${e.message}`;
    default: {
      const unreachable: never = e;
      return String(unreachable);
    }
  }
};

const safeJson = (v: unknown): string => {
  if (v === undefined) return 'undefined';
  try {
    const s = JSON.stringify(v);
    return s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    return String(v);
  }
};
