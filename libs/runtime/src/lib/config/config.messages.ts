/**
 * Turns the schema a value failed into a sentence an operator can act on: "must be an
 * integer from 1 to 65535" rather than TypeBox's "Expected integer to be less or equal to
 * 65535". Built from the field's own schema, so every constraint is named at once. A
 * schema may carry its own `errorMessage` (e.g. for a pattern nobody can read).
 */
import { Kind, TSchema } from '@sinclair/typebox';

const opt = (schema: TSchema, key: string): unknown => (schema as Record<string, unknown>)[key];
const num = (schema: TSchema, key: string): number | undefined => {
  const v = opt(schema, key);
  return typeof v === 'number' ? v : undefined;
};

const rangePhrase = (noun: string, schema: TSchema): string => {
  const min = num(schema, 'minimum');
  const max = num(schema, 'maximum');
  const xmin = num(schema, 'exclusiveMinimum');
  const xmax = num(schema, 'exclusiveMaximum');
  const multipleOf = num(schema, 'multipleOf');
  const parts: string[] = [];
  if (min !== undefined && max !== undefined) parts.push(`from ${min} to ${max}`);
  else if (min !== undefined) parts.push(`at least ${min}`);
  if (xmin !== undefined) parts.push(`greater than ${xmin}`);
  if (max !== undefined && min === undefined) parts.push(`at most ${max}`);
  if (xmax !== undefined) parts.push(`less than ${xmax}`);
  if (multipleOf !== undefined) parts.push(`a multiple of ${multipleOf}`);
  // "an integer of at least 1" reads better than "an integer at least 1".
  const first = parts[0];
  if (first !== undefined && /^at (least|most) /.test(first)) parts[0] = `of ${first}`;
  return [noun, parts.join(' and ')].filter((s) => s !== '').join(' ');
};

const stringPhrase = (schema: TSchema): string => {
  const minLength = num(schema, 'minLength');
  const maxLength = num(schema, 'maxLength');
  const pattern = opt(schema, 'pattern');
  const parts: string[] = [];
  if (minLength === 1 && maxLength === undefined)
    return pattern === undefined ? 'a non-empty string' : `a non-empty string matching /${String(pattern)}/`;
  if (minLength !== undefined && maxLength !== undefined)
    parts.push(`of ${minLength} to ${maxLength} characters`);
  else if (minLength !== undefined) parts.push(`of at least ${minLength} characters`);
  else if (maxLength !== undefined) parts.push(`of at most ${maxLength} characters`);
  if (typeof pattern === 'string') parts.push(`matching /${pattern}/`);
  return ['a string', ...parts].join(' ');
};

const literalText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** What a value of this schema must be, as a noun phrase: "an integer from 1 to 65535". */
export const expectationOf = (schema: TSchema): string => {
  switch (schema[Kind]) {
    case 'Integer':
      return rangePhrase('an integer', schema);
    case 'Number':
      return rangePhrase('a number', schema);
    case 'Boolean':
      return 'true or false';
    case 'String':
      return stringPhrase(schema);
    case 'Literal':
      return literalText(opt(schema, 'const'));
    case 'Null':
      return 'null';
    case 'Object':
      return 'an object';
    case 'Array':
      return 'an array';
    case 'Union': {
      const members = (opt(schema, 'anyOf') as TSchema[] | undefined) ?? [];
      if (members.length > 0 && members.every((m) => m[Kind] === 'Literal'))
        return `one of ${members.map((m) => literalText(opt(m, 'const'))).join(', ')}`;
      return members.map(expectationOf).join(' or ');
    }
    default:
      return `a valid ${String(schema[Kind]).toLowerCase()}`;
  }
};

/** The message for a value that failed `schema`: its own `errorMessage`, or "must be …". */
export const messageFor = (schema: TSchema): string => {
  const custom = opt(schema, 'errorMessage');
  return typeof custom === 'string' ? custom : `must be ${expectationOf(schema)}`;
};
