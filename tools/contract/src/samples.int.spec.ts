/**
 * The sample generator the compatibility check relies on: every payload it makes for a
 * schema of the catalog is valid under that schema (checked by the codec's validator, the
 * TypeBox compiled check), patterns honoured, and the same seed gives the same samples.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { EVENT_DEFINITIONS } from '@keel/events';
import { accepts, plainSchema } from './json-schema';
import { samplesOf, UnsupportedSchema } from './samples';

describe('sample payloads', () => {
  it.each(Object.values(EVENT_DEFINITIONS).map((d) => [d.type, d] as const))(
    '%s: 200 samples, all valid under its schema',
    (_type, d) => {
      const check = TypeCompiler.Compile(d.schema);
      const schema = plainSchema(d.schema);
      for (const sample of samplesOf(schema, 200, 42)) {
        if (!check.Check(sample))
          throw new Error(`${JSON.stringify(sample)}: ${JSON.stringify(check.Errors(sample).First())}`);
        expect(accepts(schema, sample)).toBe(true);
      }
    },
  );

  it('decimals and instants look like them; the same seed gives the same samples', () => {
    const schema = {
      type: 'object',
      properties: {
        qty: { type: 'string', pattern: '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$' },
        at: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$' },
      },
      required: ['qty', 'at'],
      additionalProperties: false,
    };
    const samples = samplesOf(schema, 100, 7) as { qty: string; at: string }[];
    for (const s of samples) {
      expect(s.qty).toMatch(/^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/);
      expect(Number.isNaN(Date.parse(s.at))).toBe(false);
      expect(new Date(Date.parse(s.at)).toISOString().slice(0, 19)).toBe(s.at.slice(0, 19));
    }
    expect(samplesOf(schema, 100, 7)).toEqual(samples);
  });

  it('optional and additional properties are sometimes present, sometimes not', () => {
    const schema = { type: 'object', properties: { a: { type: 'integer' } }, required: [] };
    const samples = samplesOf(schema, 200, 3) as Record<string, unknown>[];
    expect(samples.some((s) => 'a' in s)).toBe(true);
    expect(samples.some((s) => !('a' in s))).toBe(true);
    expect(samples.some((s) => Object.keys(s).some((k) => k !== 'a'))).toBe(true);
  });

  it('refuses a keyword it cannot honour rather than make invalid samples', () => {
    expect(() => samplesOf({ type: 'string', format: 'email' }, 10, 1)).toThrow(UnsupportedSchema);
    expect(() => samplesOf({ type: 'string', pattern: '^a$', minLength: 2 }, 10, 1)).toThrow(
      UnsupportedSchema,
    );
  });
});
