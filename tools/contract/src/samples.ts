/**
 * Sample payloads valid under a plain JSON Schema, from fast-check arbitraries (deterministic
 * for a seed). Strings honour `pattern` (fast-check's `stringMatching`) and length bounds; a
 * pattern shaped like an ISO-8601 date or instant gets real calendar instants (stored logs
 * only hold real ones), decimals come out as the pattern writes them (`-12.5`, `0.001`).
 * Optional properties are sometimes present, sometimes not; where a schema allows properties
 * it does not name, some samples carry one. A keyword the generator does not know is an
 * UnsupportedSchema error, never a silently wrong sample.
 */
import fc from 'fast-check';
import {
  accepts,
  acceptsAnything,
  branchesOf,
  isObject,
  JsonSchema,
  keywordsOf,
  lowerBound,
  pointer,
  upperBound,
} from './json-schema';

export class UnsupportedSchema extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path || '/'}: ${reason}`);
  }
}

type SchemaObject = { readonly [keyword: string]: unknown };

const SUPPORTED: Readonly<Record<string, readonly string[]>> = {
  string: ['type', 'pattern', 'minLength', 'maxLength'],
  number: ['type', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'],
  integer: ['type', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  boolean: ['type'],
  null: ['type'],
  array: ['type', 'items', 'minItems', 'maxItems', 'uniqueItems'],
  object: ['type', 'properties', 'required', 'additionalProperties', 'patternProperties'],
};

/** Arrays and free strings stay short: samples are for breadth, not size. */
const EXTRA_LENGTH = 6;
/** Names for properties a schema does not name (never `__proto__` and the like). */
const extraName = fc.stringMatching(/^[a-z][A-Za-z0-9]{0,11}$/);

/** An arbitrary of values valid under `schema`; throws UnsupportedSchema for what it cannot honour. */
export const arbitraryOf = (schema: JsonSchema, path = ''): fc.Arbitrary<unknown> => {
  if (acceptsAnything(schema)) return fc.jsonValue({ maxDepth: 2 });
  if (schema === false || !isObject(schema)) throw new UnsupportedSchema(path, 'the schema accepts no value');
  const branches = branchesOf(schema);
  if (branches.length !== 1 || branches[0] !== schema)
    return fc.oneof(...branches.map((b) => arbitraryOf(b, path)));
  const s = schema as SchemaObject;
  if ('const' in s || Array.isArray(s['enum'])) {
    const values = ('const' in s ? [s['const']] : (s['enum'] as unknown[])).filter((v) => accepts(s, v));
    if (values.length === 0) throw new UnsupportedSchema(path, 'no literal satisfies the schema');
    return fc.constantFrom(...values);
  }
  const t = s['type'];
  const supported = typeof t === 'string' ? SUPPORTED[t] : undefined;
  if (typeof t !== 'string' || !supported)
    throw new UnsupportedSchema(path, `cannot generate values of ${JSON.stringify(s).slice(0, 200)}`);
  const unknown = keywordsOf(s).filter((k) => !supported.includes(k));
  if (unknown.length) throw new UnsupportedSchema(path, `cannot generate values with ${unknown.join(', ')}`);
  switch (t) {
    case 'string':
      return stringOf(s, path);
    case 'number':
      return numberOf(s, path);
    case 'integer':
      return integerOf(s, path);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return arrayOf(s, path);
    default:
      return objectOf(s, path);
  }
};

/** Real instants (1970–2100) written as the pattern wants them, when it is an ISO-8601 shape. */
const isoInstants = (re: RegExp): fc.Arbitrary<string> | undefined => {
  const probe = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)).toISOString();
  const all: readonly ((iso: string) => string)[] = [
    (iso) => iso,
    (iso) => `${iso.slice(0, 19)}Z`,
    (iso) => iso.slice(0, 10),
  ];
  // Date-shaped: it takes an instant's form but not the same form with letters for digits.
  const forms = all.filter((f) => re.test(f(probe)) && !re.test(f(probe).replace(/[0-9]/g, 'a')));
  if (forms.length === 0) return undefined;
  return fc
    .tuple(
      fc.date({ min: new Date(0), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true }),
      fc.constantFrom(...forms),
    )
    .map(([d, form]) => form(d.toISOString()));
};

/** Keeps the values a predicate takes, after checking it takes some (a filter that never passes would hang). */
const filtered = <T>(
  arb: fc.Arbitrary<T>,
  ok: (v: T) => boolean,
  path: string,
  what: string,
): fc.Arbitrary<T> => {
  if (!fc.sample(arb, { seed: 1, numRuns: 100 }).some(ok))
    throw new UnsupportedSchema(path, `cannot generate ${what}`);
  return arb.filter(ok);
};

const stringOf = (s: SchemaObject, path: string): fc.Arbitrary<string> => {
  const min = typeof s['minLength'] === 'number' ? s['minLength'] : 0;
  const max = typeof s['maxLength'] === 'number' ? s['maxLength'] : Infinity;
  const pattern = s['pattern'];
  const inBounds = (v: string): boolean => v.length >= min && v.length <= max;
  if (typeof pattern === 'string') {
    const re = new RegExp(pattern);
    const matching = fc.stringMatching(re);
    const arb = isoInstants(re) ?? matching;
    return filtered(
      arb,
      (v) => re.test(v) && inBounds(v),
      path,
      `strings matching ${pattern} of length ${min}..${max}`,
    );
  }
  const cap = Math.min(max, min + EXTRA_LENGTH * 2);
  return filtered(
    fc.oneof(
      fc.string({ minLength: min, maxLength: cap }),
      fc.string({ minLength: min, maxLength: cap, unit: 'grapheme' }),
    ),
    inBounds,
    path,
    `strings of length ${min}..${max}`,
  );
};

const numberOf = (s: SchemaObject, path: string): fc.Arbitrary<number> => {
  const lo = lowerBound(s);
  const hi = upperBound(s);
  const doubles = fc.double({
    noNaN: true,
    noDefaultInfinity: true,
    ...(lo ? { min: lo.value, minExcluded: lo.exclusive } : {}),
    ...(hi ? { max: hi.value, maxExcluded: hi.exclusive } : {}),
  });
  // Plain integers too, as real statistics often are; kept within the bounds.
  const ints = fc.integer({ min: -1000, max: 1000 });
  return filtered(fc.oneof(doubles, ints), (v) => accepts(s, v), path, 'numbers within the bounds');
};

const integerOf = (s: SchemaObject, path: string): fc.Arbitrary<number> => {
  const lo = lowerBound(s);
  const hi = upperBound(s);
  const min = lo ? (lo.exclusive ? Math.floor(lo.value) + 1 : Math.ceil(lo.value)) : Number.MIN_SAFE_INTEGER;
  const max = hi ? (hi.exclusive ? Math.ceil(hi.value) - 1 : Math.floor(hi.value)) : Number.MAX_SAFE_INTEGER;
  if (min > max) throw new UnsupportedSchema(path, 'no integer within the bounds');
  const step = typeof s['multipleOf'] === 'number' ? s['multipleOf'] : 1;
  if (!Number.isInteger(step) || step < 1)
    throw new UnsupportedSchema(path, 'multipleOf must be a whole number');
  const lowK = Math.ceil(Math.max(min, Number.MIN_SAFE_INTEGER) / step);
  const highK = Math.floor(Math.min(max, Number.MAX_SAFE_INTEGER) / step);
  return filtered(
    fc.integer({ min: lowK, max: highK }).map((k) => k * step),
    (v) => accepts(s, v),
    path,
    'integers within the bounds',
  );
};

const arrayOf = (s: SchemaObject, path: string): fc.Arbitrary<unknown[]> => {
  if (Array.isArray(s['items'])) throw new UnsupportedSchema(path, 'cannot generate tuples');
  const items = arbitraryOf((s['items'] ?? true) as JsonSchema, `${path}/*`);
  const minLength = typeof s['minItems'] === 'number' ? s['minItems'] : 0;
  const maxLength = Math.min(
    typeof s['maxItems'] === 'number' ? s['maxItems'] : Infinity,
    minLength + EXTRA_LENGTH,
  );
  return s['uniqueItems'] === true
    ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
    : fc.array(items, { minLength, maxLength });
};

const objectOf = (s: SchemaObject, path: string): fc.Arbitrary<Record<string, unknown>> => {
  const props = isObject(s['properties']) ? (s['properties'] as Record<string, JsonSchema>) : {};
  const required = Array.isArray(s['required']) ? (s['required'] as string[]) : [];
  const missing = required.filter((r) => !(r in props));
  if (missing.length) throw new UnsupportedSchema(path, `required but not described: ${missing.join(', ')}`);
  const model = Object.fromEntries(
    Object.entries(props).map(([k, v]) => [k, arbitraryOf(v, pointer(path, k))]),
  );
  const named = fc.record(model, { requiredKeys: required, noNullPrototype: true });
  // A record of any key (TypeBox's `Record(String(), …)`: one pattern matching every name) is
  // other properties by another name; any other pattern is not honoured.
  const patterns = isObject(s['patternProperties'])
    ? (s['patternProperties'] as Record<string, JsonSchema>)
    : {};
  const patternKeys = Object.keys(patterns);
  if (patternKeys.some((k) => k !== '^(.*)$' && k !== '^.*$'))
    throw new UnsupportedSchema(
      path,
      `cannot generate names for patternProperties ${patternKeys.join(', ')}`,
    );
  const additional =
    patternKeys.length > 0
      ? (patterns[patternKeys[0] as string] as JsonSchema)
      : (s['additionalProperties'] ?? true);
  if (additional === false) return named;
  const extra = fc.dictionary(
    extraName.filter((k) => !(k in props)),
    arbitraryOf(additional as JsonSchema, pointer(path, '<other>')),
    { maxKeys: 2, noNullPrototype: true },
  );
  return fc.tuple(named, extra).map(([n, e]) => ({ ...e, ...n }));
};

/**
 * `count` samples of `schema` for `seed`, each as it reads back from JSON (a stored
 * payload): -0 is 0, objects are plain.
 */
export const samplesOf = (schema: JsonSchema, count: number, seed: number): readonly unknown[] =>
  fc
    .sample(arbitraryOf(schema), { seed, numRuns: count })
    .map((v) => JSON.parse(JSON.stringify(v)) as unknown);
