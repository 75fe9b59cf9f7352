/**
 * Environment variables are strings; the schema says what each setting really is. This
 * turns "8080" into 8080 and "true" into true where the field's schema asks for it and
 * leaves anything it cannot read untouched, so the validator reports the original text
 * ("must be an integer … (got "abc")") instead of a half-converted value.
 */
import { Kind, TSchema } from '@sinclair/typebox';

// Plain decimal notation only: `Number()` would also accept "", " ", "0x1f" and "Infinity".
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

const members = (schema: TSchema): readonly TSchema[] =>
  ((schema as Record<string, unknown>)['anyOf'] as TSchema[] | undefined) ?? [];

/** Read an env string as the schema's type when it clearly is one; otherwise return it as is. */
export const coerceEnvValue = (schema: TSchema, raw: string): unknown => {
  const text = raw.trim();
  switch (schema[Kind]) {
    case 'Integer':
    case 'Number':
      return NUMERIC.test(text) ? Number(text) : raw;
    case 'Boolean': {
      const lower = text.toLowerCase();
      return TRUE.has(lower) ? true : FALSE.has(lower) ? false : raw;
    }
    case 'Literal': {
      const literal = (schema as Record<string, unknown>)['const'];
      if (typeof literal === 'number') return NUMERIC.test(text) && Number(text) === literal ? literal : raw;
      if (typeof literal === 'boolean') return coerceEnvValue({ [Kind]: 'Boolean' } as TSchema, raw);
      return raw;
    }
    case 'Union': {
      // A string member that accepts the text as is wins (e.g. the literal "auto");
      // otherwise the first member that can read it.
      const options = members(schema);
      if (
        options.some(
          (m) =>
            m[Kind] === 'String' ||
            (m[Kind] === 'Literal' && (m as Record<string, unknown>)['const'] === raw),
        )
      )
        return raw;
      for (const m of options) {
        const v = coerceEnvValue(m, raw);
        if (v !== raw) return v;
      }
      return raw;
    }
    case 'Object':
    case 'Array':
    case 'Record':
    case 'Tuple':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    default:
      return raw;
  }
};
