/**
 * The structural rules of the subsumption check, on plain JSON Schemas: each row is a
 * released schema, a current one and what the check must say (nothing, or a problem at a
 * path whose message matches).
 */
import { JsonSchema } from './json-schema';
import { subsumes } from './subsumes';

const str = (extra: Record<string, unknown> = {}): JsonSchema => ({ type: 'string', ...extra });
const obj = (
  properties: Record<string, JsonSchema>,
  required: string[],
  extra: Record<string, unknown> = {},
) => ({
  type: 'object',
  properties,
  required,
  ...extra,
});
const closedObj = (properties: Record<string, JsonSchema>, required: string[]) =>
  obj(properties, required, { additionalProperties: false });
const lit = (v: string): JsonSchema => ({ const: v, type: 'string' });
const nullable = (s: JsonSchema): JsonSchema => ({ anyOf: [s, { type: 'null' }] });

type Breaking = [name: string, released: JsonSchema, current: JsonSchema, path: string, message: RegExp];
type Compatible = [name: string, released: JsonSchema, current: JsonSchema];

const BREAKING: Breaking[] = [
  ['pattern added', str(), str({ pattern: '^a' }), '', /a pattern was added/],
  ['pattern changed', str({ pattern: '^a' }), str({ pattern: '^a|b' }), '', /pattern changed/],
  ['minLength raised', str({ minLength: 1 }), str({ minLength: 2 }), '', /minLength raised from 1 to 2/],
  ['maxLength added', str(), str({ maxLength: 9 }), '', /maxLength lowered from none to 9/],
  ['number to integer', { type: 'number' }, { type: 'integer' }, '', /narrowed from number to integer/],
  [
    'minimum raised',
    { type: 'integer', minimum: 0 },
    { type: 'integer', minimum: 1 },
    '',
    /lower bound narrowed/,
  ],
  [
    'minimum made exclusive',
    { type: 'number', minimum: 0 },
    { type: 'number', exclusiveMinimum: 0 },
    '',
    /lower bound narrowed from ≥ 0 to > 0/,
  ],
  ['maximum added', { type: 'number' }, { type: 'number', maximum: 1 }, '', /upper bound narrowed/],
  ['null dropped', nullable(str()), str(), '', /the value null is no longer accepted/],
  [
    'literal dropped',
    { anyOf: [lit('a'), lit('b')] },
    { anyOf: [lit('a')] },
    '',
    /"b" is no longer accepted/,
  ],
  ['literal to its string narrowed', str(), { anyOf: [lit('a'), lit('b')] }, '', /type changed|allows only/],
  [
    'boolean to literal true',
    { type: 'boolean' },
    { const: true, type: 'boolean' },
    '',
    /false is no longer accepted/,
  ],
  ['any value restricted', {}, str(), '', /accepted any value/],
  [
    'optional property made required',
    closedObj({ a: str(), b: str() }, ['a']),
    closedObj({ a: str(), b: str() }, ['a', 'b']),
    '/b',
    /became required/,
  ],
  [
    'property removed from a closed object',
    closedObj({ a: str(), b: str() }, ['a']),
    closedObj({ a: str() }, ['a']),
    '/b',
    /was removed/,
  ],
  [
    'additional properties forbidden',
    obj({ a: str() }, ['a']),
    closedObj({ a: str() }, ['a']),
    '/<other>',
    /additional properties became forbidden/,
  ],
  [
    'a new property constraining an open name',
    obj({ a: str() }, ['a']),
    obj({ a: str(), b: str() }, ['a']),
    '/b',
    /constrains a name the released schema let payloads carry freely/,
  ],
  [
    'nested property type changed',
    closedObj({ a: closedObj({ b: str() }, ['b']) }, ['a']),
    closedObj({ a: closedObj({ b: { type: 'number' } }, ['b']) }, ['a']),
    '/a/b',
    /type changed from string to number/,
  ],
  [
    'array items narrowed',
    { type: 'array', items: { type: 'number' } },
    { type: 'array', items: { type: 'number', minimum: 0 } },
    '/*',
    /lower bound narrowed/,
  ],
  [
    'minItems raised',
    { type: 'array', items: str() },
    { type: 'array', items: str(), minItems: 1 },
    '',
    /minItems raised/,
  ],
  [
    'maxItems lowered',
    { type: 'array', items: str(), maxItems: 5 },
    { type: 'array', items: str(), maxItems: 4 },
    '',
    /maxItems lowered from 5 to 4/,
  ],
  ['uniqueItems added', { type: 'array' }, { type: 'array', uniqueItems: true }, '', /uniqueItems was added/],
  [
    'an unknown keyword that changed',
    str({ format: 'x', foo: 1 }),
    str({ format: 'x', foo: 2 }),
    '',
    /not one the check understands/,
  ],
  ['format added', str(), str({ format: 'date-time' }), '', /format "date-time" was added/],
  ['a $ref', { $ref: '#/a' }, { $ref: '#/b' }, '', /not one the check understands/],
];

const COMPATIBLE: Compatible[] = [
  [
    'identical',
    closedObj({ a: str({ pattern: '^x' }) }, ['a']),
    closedObj({ a: str({ pattern: '^x' }) }, ['a']),
  ],
  ['identical but for descriptions', str({ description: 'old' }), str({ description: 'new' })],
  ['identical unknown constructs', { $ref: '#/a' }, { $ref: '#/a' }],
  ['pattern removed', str({ pattern: '^a' }), str()],
  ['lengths widened', str({ minLength: 2, maxLength: 5 }), str({ minLength: 1, maxLength: 6 })],
  ['integer to number', { type: 'integer', minimum: 0 }, { type: 'number', minimum: 0 }],
  ['bounds widened', { type: 'number', exclusiveMinimum: 0, maximum: 1 }, { type: 'number', minimum: 0 }],
  ['made nullable', str(), nullable(str())],
  ['literal added', { anyOf: [lit('a'), lit('b')] }, { anyOf: [lit('a'), lit('b'), lit('c')] }],
  ['literals to their string', { anyOf: [lit('a'), lit('b')] }, str()],
  [
    'nested unions flattened',
    nullable({ anyOf: [lit('a'), lit('b')] }),
    { anyOf: [lit('b'), { type: 'null' }, lit('a')] },
  ],
  ['type list split', { type: ['string', 'null'] }, nullable(str())],
  [
    'optional property added to a closed object',
    closedObj({ a: str() }, ['a']),
    closedObj({ a: str(), b: str() }, ['a']),
  ],
  [
    'required property made optional',
    closedObj({ a: str(), b: str() }, ['a', 'b']),
    closedObj({ a: str(), b: str() }, ['a']),
  ],
  ['closed object opened', closedObj({ a: str() }, ['a']), obj({ a: str() }, ['a'])],
  ['property dropped from an open object', obj({ a: str(), b: str() }, ['a']), obj({ a: str() }, ['a'])],
  [
    'array bounds widened',
    { type: 'array', items: str(), minItems: 2, maxItems: 3 },
    { type: 'array', items: nullable(str()), minItems: 1 },
  ],
  ['anything accepted now', str({ pattern: '^a' }), {}],
];

describe('structural subsumption', () => {
  it.each(BREAKING)('breaking: %s', (_name, released, current, path, message) => {
    const problems = subsumes(released, current);
    expect(problems).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
  });

  it.each(COMPATIBLE)('compatible: %s', (_name, released, current) => {
    expect(subsumes(released, current)).toEqual([]);
  });
});
