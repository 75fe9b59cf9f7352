/**
 * Plain JSON Schema, as the released catalog stores it and as a TypeBox schema prints
 * (`JSON.parse(JSON.stringify(schema))` drops TypeBox's symbols, transforms included): the
 * small toolkit the compatibility check walks it with. Strings follow the decoder (TypeBox's
 * compiled check): lengths are UTF-16 units and patterns are `new RegExp(pattern)`, no flags.
 */
import { TSchema } from '@sinclair/typebox';

/** A JSON Schema: `true` accepts anything, `false` nothing, an object constrains. */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };
type SchemaObject = { readonly [keyword: string]: unknown };

/** The plain JSON Schema of a TypeBox schema (what is published and released). */
export const plainSchema = (schema: TSchema): JsonSchema => JSON.parse(JSON.stringify(schema)) as JsonSchema;

/** Keywords that describe and never constrain. */
const ANNOTATIONS = new Set([
  'title',
  'description',
  '$comment',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$id',
  '$schema',
]);

export const isObject = (v: unknown): v is SchemaObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The keywords of a schema object that constrain a value (annotations left out). */
export const keywordsOf = (s: SchemaObject): string[] => Object.keys(s).filter((k) => !ANNOTATIONS.has(k));

/** Keywords whose value is one schema, a list of schemas or a map of schemas. */
const ONE_SCHEMA = [
  'items',
  'additionalItems',
  'additionalProperties',
  'contains',
  'not',
  'propertyNames',
  'if',
  'then',
  'else',
];
const SCHEMA_LIST = ['anyOf', 'allOf', 'oneOf', 'prefixItems', 'items'];
const SCHEMA_MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];

/** The schema without annotations, at every level (for comparing schemas by meaning). */
export const withoutAnnotations = (s: unknown): unknown => {
  if (!isObject(s)) return s;
  const out: Record<string, unknown> = {};
  for (const k of keywordsOf(s).sort()) {
    const v = s[k];
    if (SCHEMA_LIST.includes(k) && Array.isArray(v)) out[k] = v.map(withoutAnnotations);
    else if (ONE_SCHEMA.includes(k)) out[k] = withoutAnnotations(v);
    else if (SCHEMA_MAP.includes(k) && isObject(v))
      out[k] = Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((p) => [p, withoutAnnotations(v[p])]),
      );
    else out[k] = v;
  }
  return out;
};

/** Structural equality of JSON values (key order ignored). */
export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
};

/** Same constraints, whatever the annotations. */
export const sameSchema = (a: JsonSchema, b: JsonSchema): boolean =>
  deepEqual(withoutAnnotations(a), withoutAnnotations(b));

/** Accepts every value: `true`, or an object with no constraining keyword. */
export const acceptsAnything = (s: JsonSchema): boolean =>
  s === true || (isObject(s) && keywordsOf(s).length === 0);

/**
 * The alternatives of a schema, each without `anyOf` and with at most one `type`: unions are
 * flattened (`Nullable(Union([...]))` is one list) and `type: ['string', 'null']` is split.
 * A union with sibling constraints stays one branch (compared only by identity).
 */
export const branchesOf = (s: JsonSchema): readonly JsonSchema[] => {
  if (s === false) return [];
  if (s === true) return [true];
  const keys = keywordsOf(s);
  if (keys.length === 1 && keys[0] === 'anyOf' && Array.isArray(s['anyOf']))
    return (s['anyOf'] as JsonSchema[]).flatMap(branchesOf);
  if (Array.isArray(s['type']) && !keys.includes('anyOf'))
    return (s['type'] as unknown[]).map((t) => ({ ...s, type: t }));
  return [s];
};

/** JSON type names of a value; an integral number is both `number` and `integer`. */
const typesOf = (v: unknown): readonly string[] => {
  if (v === null) return ['null'];
  if (Array.isArray(v)) return ['array'];
  if (typeof v === 'number') return Number.isInteger(v) ? ['number', 'integer'] : ['number'];
  if (typeof v === 'object') return ['object'];
  return [typeof v];
};

/** The lower (or upper) bound of a number schema: value and whether it is exclusive. */
export interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}
const bound = (s: SchemaObject, side: 'min' | 'max'): Bound | undefined => {
  const [incKey, excKey] = side === 'min' ? ['minimum', 'exclusiveMinimum'] : ['maximum', 'exclusiveMaximum'];
  const inc = s[incKey];
  const exc = s[excKey];
  // Draft 4: a boolean exclusiveMinimum makes `minimum` exclusive.
  if (typeof exc === 'boolean') return typeof inc === 'number' ? { value: inc, exclusive: exc } : undefined;
  const candidates: Bound[] = [];
  if (typeof inc === 'number') candidates.push({ value: inc, exclusive: false });
  if (typeof exc === 'number') candidates.push({ value: exc, exclusive: true });
  const tighter = (a: Bound, b: Bound): Bound =>
    a.value === b.value
      ? { value: a.value, exclusive: a.exclusive || b.exclusive }
      : (side === 'min' ? a.value > b.value : a.value < b.value)
        ? a
        : b;
  return candidates.reduce<Bound | undefined>((acc, b) => (acc ? tighter(acc, b) : b), undefined);
};
export const lowerBound = (s: SchemaObject): Bound | undefined => bound(s, 'min');
export const upperBound = (s: SchemaObject): Bound | undefined => bound(s, 'max');

/** The keywords `accepts` knows; anything else makes it answer "no" (conservative). */
const VALIDATES = new Set([
  'type',
  'const',
  'enum',
  'anyOf',
  'allOf',
  'oneOf',
  'not',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'properties',
  'required',
  'additionalProperties',
  'patternProperties',
  'minProperties',
  'maxProperties',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
]);

/**
 * Whether a schema accepts a value, for the keywords in VALIDATES (an unknown keyword
 * answers false). Used on literals (does the current schema still take `"killSwitch"`?) and
 * to keep the generator's samples honest.
 */
export const accepts = (s: JsonSchema, v: unknown): boolean => {
  if (typeof s === 'boolean') return s;
  for (const k of keywordsOf(s)) if (!VALIDATES.has(k)) return false;
  const type = s['type'];
  if (type !== undefined) {
    const allowed = Array.isArray(type) ? type : [type];
    if (!typesOf(v).some((t) => allowed.includes(t))) return false;
  }
  if ('const' in s && !deepEqual(s['const'], v)) return false;
  if (Array.isArray(s['enum']) && !s['enum'].some((e) => deepEqual(e, v))) return false;
  if (Array.isArray(s['anyOf']) && !(s['anyOf'] as JsonSchema[]).some((b) => accepts(b, v))) return false;
  if (Array.isArray(s['allOf']) && !(s['allOf'] as JsonSchema[]).every((b) => accepts(b, v))) return false;
  if (Array.isArray(s['oneOf']) && (s['oneOf'] as JsonSchema[]).filter((b) => accepts(b, v)).length !== 1)
    return false;
  if (s['not'] !== undefined && accepts(s['not'] as JsonSchema, v)) return false;
  if (typeof v === 'string') {
    if (typeof s['minLength'] === 'number' && v.length < s['minLength']) return false;
    if (typeof s['maxLength'] === 'number' && v.length > s['maxLength']) return false;
    if (typeof s['pattern'] === 'string' && !new RegExp(s['pattern']).test(v)) return false;
  }
  if (typeof v === 'number') {
    const lo = lowerBound(s);
    const hi = upperBound(s);
    if (lo && (lo.exclusive ? v <= lo.value : v < lo.value)) return false;
    if (hi && (hi.exclusive ? v >= hi.value : v > hi.value)) return false;
    if (typeof s['multipleOf'] === 'number' && !Number.isInteger(v / s['multipleOf'])) return false;
  }
  if (Array.isArray(v)) {
    if (typeof s['minItems'] === 'number' && v.length < s['minItems']) return false;
    if (typeof s['maxItems'] === 'number' && v.length > s['maxItems']) return false;
    if (s['uniqueItems'] === true && v.some((x, i) => v.findIndex((y) => deepEqual(x, y)) !== i))
      return false;
    const items = s['items'];
    if (Array.isArray(items)) return false; // tuples: not supported here
    if (items !== undefined && !v.every((x) => accepts(items as JsonSchema, x))) return false;
  }
  if (isObject(v)) {
    const names = Object.keys(v);
    if (typeof s['minProperties'] === 'number' && names.length < s['minProperties']) return false;
    if (typeof s['maxProperties'] === 'number' && names.length > s['maxProperties']) return false;
    if (Array.isArray(s['required']) && !s['required'].every((r) => typeof r === 'string' && r in v))
      return false;
    const props = isObject(s['properties']) ? s['properties'] : {};
    const patterns = isObject(s['patternProperties']) ? s['patternProperties'] : {};
    const additional = s['additionalProperties'];
    for (const name of names) {
      let matched = false;
      if (name in props) {
        matched = true;
        if (!accepts(props[name] as JsonSchema, v[name])) return false;
      }
      for (const [p, ps] of Object.entries(patterns))
        if (new RegExp(p).test(name)) {
          matched = true;
          if (!accepts(ps as JsonSchema, v[name])) return false;
        }
      if (!matched && additional !== undefined && !accepts(additional as JsonSchema, v[name])) return false;
    }
  }
  return true;
};

/** A JSON Pointer segment (RFC 6901). */
export const pointer = (path: string, name: string): string =>
  `${path}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
