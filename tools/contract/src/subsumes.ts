/**
 * Structural subsumption of JSON Schemas: does the current schema accept every value the
 * released one accepted? Conservative: a change it cannot prove harmless is a problem (a
 * pattern that changed, a keyword it does not know, a tuple or `$ref` that is not identical).
 * Identical schemas (annotations aside) are compatible without looking further.
 *
 * Paths are JSON Pointers into the payload; `*` stands for any array item and `<other>` for
 * a property the schema does not name.
 */
import {
  accepts,
  acceptsAnything,
  Bound,
  branchesOf,
  deepEqual,
  isObject,
  JsonSchema,
  keywordsOf,
  lowerBound,
  pointer,
  sameSchema,
  upperBound,
} from './json-schema';

export interface SchemaProblem {
  /** Where in the payload (JSON Pointer; `''` is the whole payload). */
  readonly path: string;
  readonly message: string;
}

type SchemaObject = { readonly [keyword: string]: unknown };

/** Keywords understood per JSON type; any other keyword makes a changed schema a problem. */
const KNOWN: Readonly<Record<string, readonly string[]>> = {
  string: ['type', 'minLength', 'maxLength', 'pattern', 'format', 'contentEncoding', 'contentMediaType'],
  number: ['type', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  integer: ['type', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  object: [
    'type',
    'properties',
    'required',
    'additionalProperties',
    'patternProperties',
    'minProperties',
    'maxProperties',
    'propertyNames',
    'dependentRequired',
  ],
  array: [
    'type',
    'items',
    'prefixItems',
    'additionalItems',
    'minItems',
    'maxItems',
    'uniqueItems',
    'contains',
    'minContains',
    'maxContains',
  ],
};
/** Independent constraints: the current schema may keep them identical or drop them. */
const KEEP_OR_DROP = [
  'format',
  'contentEncoding',
  'contentMediaType',
  'propertyNames',
  'dependentRequired',
  'contains',
  'minContains',
  'maxContains',
];

const show = (v: unknown): string => JSON.stringify(v);
const typeName = (b: JsonSchema): string => {
  if (acceptsAnything(b)) return 'any value';
  if (!isObject(b)) return 'nothing';
  if ('const' in b) return show(b['const']);
  if (Array.isArray(b['enum'])) return b['enum'].map(show).join(' | ');
  return typeof b['type'] === 'string' ? b['type'] : 'a schema without a type';
};
const describeSchema = (s: JsonSchema): string => {
  const names = [...new Set(branchesOf(s).map(typeName))];
  return names.length ? names.join(' | ') : 'nothing';
};

/** Problems that make `current` reject a value `released` accepted; empty when compatible. */
export const subsumes = (released: JsonSchema, current: JsonSchema, path = ''): readonly SchemaProblem[] => {
  if (sameSchema(released, current) || acceptsAnything(current)) return [];
  return branchesOf(released).flatMap((b) => branchSubsumed(b, current, path));
};

/** The finite set of values a branch accepts, when it is finite (literals, enum, null, boolean). */
const finiteValues = (b: SchemaObject): readonly unknown[] | undefined => {
  const all =
    'const' in b
      ? [b['const']]
      : Array.isArray(b['enum'])
        ? b['enum']
        : b['type'] === 'null'
          ? [null]
          : b['type'] === 'boolean'
            ? [true, false]
            : undefined;
  return all?.filter((v) => accepts(b, v));
};

const branchSubsumed = (b: JsonSchema, current: JsonSchema, path: string): readonly SchemaProblem[] => {
  const p = (message: string): SchemaProblem[] => [{ path, message }];
  if (b === false) return [];
  if (acceptsAnything(b))
    return p(
      `the released schema accepted any value here; the current one accepts only ${describeSchema(current)}`,
    );
  const rel = b as SchemaObject;
  const cur = branchesOf(current);
  if (cur.some((c) => acceptsAnything(c) || sameSchema(b, c))) return [];

  const values = finiteValues(rel);
  if (values)
    return values
      .filter((v) => !accepts(current, v))
      .map((v) => ({
        path,
        message: `the value ${show(v)} is no longer accepted (now: ${describeSchema(current)})`,
      }));

  const t = rel['type'];
  if (typeof t !== 'string' || !(t in KNOWN))
    return p(
      `this part of the released schema (${show(rel).slice(0, 200)}) is not one the check understands, and it changed: a changed schema it cannot read is treated as a breaking change`,
    );

  const candidates = cur.filter(
    (c): c is SchemaObject => isObject(c) && (c['type'] === t || (t === 'integer' && c['type'] === 'number')),
  );
  if (candidates.length === 0) {
    const narrowed = t === 'number' && cur.some((c) => isObject(c) && c['type'] === 'integer');
    return p(
      narrowed
        ? 'type narrowed from number to integer: stored fractional numbers no longer decode'
        : `type changed from ${t} to ${describeSchema(current)}`,
    );
  }
  const results = candidates.map((c) => typedSubsumed(t, rel, c, path));
  if (results.some((r) => r.length === 0)) return [];
  return results.reduce((best, r) => (r.length < best.length ? r : best));
};

/** `rel` and `cur` both of JSON type `t` (or integer within number). */
const typedSubsumed = (t: string, rel: SchemaObject, cur: SchemaObject, path: string): SchemaProblem[] => {
  const problems: SchemaProblem[] = [];
  const p = (message: string, where = path): void => void problems.push({ path: where, message });
  const known = KNOWN[t] ?? [];
  const unknown = [...new Set([...keywordsOf(rel), ...keywordsOf(cur)])].filter((k) => !known.includes(k));
  if ('const' in cur || Array.isArray(cur['enum'])) {
    p(`the current schema allows only ${typeName(cur)} where the released one allowed any ${t}`);
    return problems;
  }
  for (const k of unknown)
    p(
      `keyword "${k}" (released ${show(rel[k])}, now ${show(cur[k])}) is not one the check understands, and the schema changed: treated as a breaking change`,
    );
  for (const k of KEEP_OR_DROP)
    if (k in cur && !deepEqual(rel[k], cur[k]))
      p(`${k} ${k in rel ? `changed from ${show(rel[k])} to ${show(cur[k])}` : `${show(cur[k])} was added`}`);

  switch (t) {
    case 'string':
      stringSubsumed(rel, cur, p);
      break;
    case 'number':
    case 'integer':
      numberSubsumed(rel, cur, p);
      break;
    case 'object':
      problems.push(...objectSubsumed(rel, cur, path));
      break;
    case 'array':
      problems.push(...arraySubsumed(rel, cur, path));
      break;
    default:
      break;
  }
  return problems;
};

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** `minLength`-like: the current minimum may not be higher. */
const minNotRaised = (
  name: string,
  rel: SchemaObject,
  cur: SchemaObject,
  p: (m: string) => void,
  floor = 0,
): void => {
  const r = num(rel[name]) ?? floor;
  const c = num(cur[name]) ?? floor;
  if (c > r) p(`${name} raised from ${r} to ${c}`);
};
/** `maxLength`-like: the current maximum may not be lower (absent = none). */
const maxNotLowered = (name: string, rel: SchemaObject, cur: SchemaObject, p: (m: string) => void): void => {
  const r = num(rel[name]) ?? Infinity;
  const c = num(cur[name]) ?? Infinity;
  if (c < r) p(`${name} lowered from ${r === Infinity ? 'none' : r} to ${c}`);
};

const stringSubsumed = (rel: SchemaObject, cur: SchemaObject, p: (m: string) => void): void => {
  const rp = rel['pattern'];
  const cp = cur['pattern'];
  if (cp !== undefined && cp !== rp)
    p(
      rp === undefined
        ? `a pattern was added: ${show(cp)} (a pattern may only stay identical or be removed)`
        : `pattern changed from ${show(rp)} to ${show(cp)} (a pattern may only stay identical or be removed)`,
    );
  minNotRaised('minLength', rel, cur, p);
  maxNotLowered('maxLength', rel, cur, p);
};

const showBound = (b: Bound | undefined, side: 'min' | 'max'): string =>
  b ? `${b.exclusive ? (side === 'min' ? '>' : '<') : side === 'min' ? '≥' : '≤'} ${b.value}` : 'none';

const numberSubsumed = (rel: SchemaObject, cur: SchemaObject, p: (m: string) => void): void => {
  const [rl, cl] = [lowerBound(rel), lowerBound(cur)];
  if (cl && (!rl || cl.value > rl.value || (cl.value === rl.value && cl.exclusive && !rl.exclusive)))
    p(`lower bound narrowed from ${showBound(rl, 'min')} to ${showBound(cl, 'min')}`);
  const [ru, cu] = [upperBound(rel), upperBound(cur)];
  if (cu && (!ru || cu.value < ru.value || (cu.value === ru.value && cu.exclusive && !ru.exclusive)))
    p(`upper bound narrowed from ${showBound(ru, 'max')} to ${showBound(cu, 'max')}`);
  const cm = num(cur['multipleOf']);
  const rm = num(rel['multipleOf']) ?? (rel['type'] === 'integer' ? 1 : undefined);
  if (cm !== undefined && (rm === undefined || !Number.isInteger(rm / cm)))
    p(`multipleOf ${show(cur['multipleOf'])} rejects values the released schema accepted`);
};

const mapOf = (v: unknown): Readonly<Record<string, JsonSchema>> =>
  isObject(v) ? (v as Record<string, JsonSchema>) : {};
const requiredOf = (s: SchemaObject): ReadonlySet<string> =>
  new Set(Array.isArray(s['required']) ? (s['required'] as string[]) : []);
/** The schema a property not named in `properties` gets: true when absent. */
const additionalOf = (s: SchemaObject): JsonSchema =>
  s['additionalProperties'] === undefined ? true : (s['additionalProperties'] as JsonSchema);

const objectSubsumed = (rel: SchemaObject, cur: SchemaObject, path: string): SchemaProblem[] => {
  const problems: SchemaProblem[] = [];
  const p = (message: string, where = path): void => void problems.push({ path: where, message });
  const [rProps, cProps] = [mapOf(rel['properties']), mapOf(cur['properties'])];
  const [rReq, cReq] = [requiredOf(rel), requiredOf(cur)];
  const [rAdd, cAdd] = [additionalOf(rel), additionalOf(cur)];
  const patterns = mapOf(rel['patternProperties']);
  if (!deepEqual(rel['patternProperties'] ?? {}, cur['patternProperties'] ?? {})) {
    p('patternProperties changed (the check only accepts them identical): treated as a breaking change');
    return problems;
  }
  const matchedByPattern = (name: string): JsonSchema | undefined =>
    Object.entries(patterns).find(([re]) => new RegExp(re).test(name))?.[1];

  for (const name of cReq)
    if (!rReq.has(name)) {
      const isNew = !(name in rProps);
      p(
        isNew
          ? `new property "${name}" is required: a new property must be optional (or come with a new version and an upcaster)`
          : `property "${name}" became required: stored payloads without it no longer decode`,
        pointer(path, name),
      );
    }

  for (const [name, rs] of Object.entries(rProps)) {
    const where = pointer(path, name);
    if (name in cProps) problems.push(...subsumes(rs, cProps[name] as JsonSchema, where));
    else if (matchedByPattern(name) !== undefined) continue;
    else if (cAdd === false)
      p(
        `property "${name}" was removed while additional properties are not allowed: stored payloads carrying it no longer decode`,
        where,
      );
    else problems.push(...subsumes(rs, cAdd, where));
  }

  for (const [name, cs] of Object.entries(cProps)) {
    if (name in rProps) continue;
    const where = pointer(path, name);
    const rs = matchedByPattern(name) ?? rAdd;
    if (rs === false) continue; // the released schema never let a payload carry it
    const sub = subsumes(rs, cs, where);
    if (sub.length)
      p(
        `new property "${name}" constrains a name the released schema let payloads carry freely (additional properties were allowed): ${sub.map((s) => s.message).join('; ')}`,
        where,
      );
  }

  if (rAdd !== false) {
    const where = pointer(path, '<other>');
    if (cAdd === false)
      p(
        'additional properties became forbidden: stored payloads with properties the schema does not name no longer decode',
        where,
      );
    else problems.push(...subsumes(rAdd, cAdd, where));
  }

  minNotRaised('minProperties', rel, cur, p);
  maxNotLowered('maxProperties', rel, cur, p);
  return problems;
};

const arraySubsumed = (rel: SchemaObject, cur: SchemaObject, path: string): SchemaProblem[] => {
  const problems: SchemaProblem[] = [];
  const p = (message: string, where = path): void => void problems.push({ path: where, message });
  const tuple = (s: SchemaObject): boolean =>
    Array.isArray(s['items']) || s['prefixItems'] !== undefined || s['additionalItems'] !== undefined;
  if (tuple(rel) || tuple(cur)) {
    if (
      !(['items', 'prefixItems', 'additionalItems'] as const).every((k) =>
        deepEqual(rel[k] ?? null, cur[k] ?? null),
      )
    )
      p('tuple items changed (the check only accepts them identical): treated as a breaking change');
  } else {
    const ri = (rel['items'] ?? true) as JsonSchema;
    const ci = (cur['items'] ?? true) as JsonSchema;
    problems.push(...subsumes(ri, ci, `${path}/*`));
  }
  minNotRaised('minItems', rel, cur, p);
  maxNotLowered('maxItems', rel, cur, p);
  if (cur['uniqueItems'] === true && rel['uniqueItems'] !== true)
    p('uniqueItems was added: stored arrays with repeated items no longer decode');
  return problems;
};
