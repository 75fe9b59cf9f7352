/**
 * Loads an app's settings: a JSON file (optional) overlaid by environment variables, with
 * env strings read as the schema's types and the schema's defaults filled in, then decoded
 * against the schema. Every problem is reported at once, each naming where the value came
 * from (`KEEL_HTTP_PORT`, or `app.json#/httpPort`) and what it was, so one failed start
 * tells the operator everything to fix. Unknown `KEEL_*` variables and unknown file keys
 * are errors too: a typo would otherwise silently leave the default in force.
 */
import * as fs from 'node:fs';
import { Static, TObject, TSchema } from '@sinclair/typebox';
import { TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import * as E from 'fp-ts/Either';
import { ValidationError, validationError } from '@keel/events';
import { errorText } from '../shared/error.text';
import { messageFor } from './config.messages';
import { closestName, envNameFor } from './config.names';
import { coerceEnvValue } from './env.coerce';

export interface LoadConfigOptions {
  /** Usually `process.env`; passed in so tests and tools control it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A JSON file of settings keyed by field name; env vars override it. */
  readonly file?: string;
  /** Env var prefix; default `KEEL_`. */
  readonly prefix?: string;
  /**
   * Env vars with the prefix that belong to something else (another tool, a test harness)
   * and must not be reported as unknown.
   */
  readonly ignoreEnv?: readonly string[];
  /**
   * Other names accepted for a setting's env var, `{ alias: canonical }`; the canonical name
   * wins when both are set, and errors name the variable that was read. Default
   * `ENV_ALIASES` (with the `KEEL_` prefix only).
   */
  readonly envAliases?: Readonly<Record<string, string>>;
}

/**
 * `NATS_URL` is what NATS's own tools and many deployments already set: accepted for
 * `KEEL_NATS_URL`, the one name Keel documents.
 */
export const ENV_ALIASES: Readonly<Record<string, string>> = { NATS_URL: 'KEEL_NATS_URL' };

/** Where a field's value came from, for error messages. */
type Source =
  | { readonly kind: 'env'; readonly name: string; readonly raw: string }
  | { readonly kind: 'file'; readonly name: string; readonly raw: unknown };

const REDACTED = '[redacted]';

const checkers = new WeakMap<TSchema, TypeCheck<TSchema>>();
const checkerFor = (schema: TSchema): TypeCheck<TSchema> => {
  let c = checkers.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    checkers.set(schema, c);
  }
  return c;
};

const isSecret = (schema: TSchema | undefined): boolean =>
  schema !== undefined && (schema as Record<string, unknown>)['secret'] === true;

type FileRead = { readonly values: Record<string, unknown>; readonly errors: readonly ValidationError[] };

const readFile = (file: string): FileRead => {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { values: {}, errors: [validationError(file, undefined, `cannot be read (${errorText(e)})`)] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { values: {}, errors: [validationError(file, undefined, `is not valid JSON (${errorText(e)})`)] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { values: {}, errors: [validationError(file, parsed, 'must hold a JSON object of settings')] };
  return { values: parsed as Record<string, unknown>, errors: [] };
};

/**
 * Decode settings from a config file and the environment against `schema`.
 * Left lists every problem, each naming the env var or file key and the value given.
 */
export const loadConfig = <S extends TObject>(
  schema: S,
  options: LoadConfigOptions,
): E.Either<ValidationError[], Static<S>> => {
  const prefix = options.prefix ?? 'KEEL_';
  const fields = Object.keys(schema.properties);
  const envNames = new Map(fields.map((f) => [envNameFor(prefix, f), f] as const));
  const errors: ValidationError[] = [];
  const sources = new Map<string, Source>();
  const value: Record<string, unknown> = {};

  if (options.file !== undefined) {
    const file = options.file;
    const read = readFile(file);
    errors.push(...read.errors);
    for (const [key, raw] of Object.entries(read.values)) {
      const fieldSchema = schema.properties[key];
      if (fieldSchema === undefined) {
        errors.push(unknownSetting(`${file}#/${key}`, closestName(key, fields)));
        continue;
      }
      value[key] = raw;
      sources.set(key, { kind: 'file', name: `${file}#/${key}`, raw });
    }
  }

  const ignored = new Set(options.ignoreEnv ?? []);
  const aliases = options.envAliases ?? (prefix === 'KEEL_' ? ENV_ALIASES : {});
  for (const [alias, canonical] of Object.entries(aliases)) {
    const raw = options.env[alias];
    const field = envNames.get(canonical);
    if (raw === undefined || field === undefined || options.env[canonical] !== undefined) continue;
    value[field] = coerceEnvValue(schema.properties[field] as TSchema, raw);
    sources.set(field, { kind: 'env', name: alias, raw });
  }
  for (const name of Object.keys(options.env).sort()) {
    const raw = options.env[name];
    if (raw === undefined || !name.startsWith(prefix)) continue;
    const field = envNames.get(name);
    if (field === undefined) {
      if (!ignored.has(name)) errors.push(unknownSetting(name, closestName(name, [...envNames.keys()])));
      continue;
    }
    const fieldSchema = schema.properties[field] as TSchema;
    value[field] = coerceEnvValue(fieldSchema, raw);
    sources.set(field, { kind: 'env', name, raw });
  }

  // Value.Default fills in missing fields (it may mutate, so hand it our own object).
  const withDefaults = Value.Default(schema, value) as Record<string, unknown>;
  const check = checkerFor(schema);
  if (errors.length === 0 && check.Check(withDefaults)) return E.right(withDefaults as Static<S>);

  // One error per field, in schema order: the first thing wrong with it is enough to fix.
  const reported = new Set<string>();
  for (const err of check.Errors(withDefaults)) {
    const [, field = '', ...rest] = err.path.split('/');
    const fieldSchema = schema.properties[field];
    if (reported.has(field) || fieldSchema === undefined) continue;
    reported.add(field);
    const source = sources.get(field);
    const name = source?.name ?? envNameFor(prefix, field);
    if (withDefaults[field] === undefined) {
      errors.push(
        validationError(
          name,
          undefined,
          `is required (set ${envNameFor(prefix, field)} or "${field}" in the config file)`,
        ),
      );
      continue;
    }
    const nested = rest.length > 0;
    const path = nested ? `${name}${source?.kind === 'env' ? '#' : ''}/${rest.join('/')}` : name;
    // Show what the operator typed (the env text, not its coerced form), never a secret.
    const shown = isSecret(fieldSchema) ? REDACTED : nested ? err.value : source ? source.raw : err.value;
    errors.push(validationError(path, shown, messageFor(nested ? err.schema : fieldSchema)));
  }
  if (errors.length === 0)
    errors.push(validationError('', withDefaults, 'does not match the settings schema'));
  return E.left(errors);
};

const unknownSetting = (name: string, suggestion: string | undefined): ValidationError =>
  validationError(
    name,
    undefined,
    suggestion === undefined
      ? 'is not a known setting'
      : `is not a known setting (did you mean ${suggestion}?)`,
  );
