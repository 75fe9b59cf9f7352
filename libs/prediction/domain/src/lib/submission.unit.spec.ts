/**
 * Reading a request body: one prediction or a batch, every problem named by its JSON pointer
 * into the body with the value sent (cut short: an echo must not be the body again), and never
 * more than MAX_DETAILS of them.
 */
import * as E from 'fp-ts/Either';
import { FieldProblem, MAX_BATCH, MAX_DETAILS, readSubmission, ReadSubmission } from './submission';

const valid = {
  modelId: 'model-a',
  predictionId: 'p-1',
  instrument: 'BTC/USDT:USDT',
  asOf: '2026-03-01T12:00:00Z',
  horizon: 3600,
  kind: 'signal',
  value: 0.5,
} as const;

const problems = (body: unknown): readonly FieldProblem[] => {
  const r = readSubmission(body);
  if (E.isRight(r)) throw new Error(`expected problems, got ${JSON.stringify(r.right)}`);
  return r.left;
};
const read = (body: unknown): ReadSubmission => {
  const r = readSubmission(body);
  if (E.isLeft(r)) throw new Error(`expected a submission, got ${JSON.stringify(r.left)}`);
  return r.right;
};
/** The value a JSON pointer (RFC 6901) names in a document. */
const resolve = (doc: unknown, pointer: string): unknown =>
  pointer === ''
    ? doc
    : pointer
        .slice(1)
        .split('/')
        .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], doc);
const byPath = (ps: readonly FieldProblem[]): Record<string, FieldProblem> =>
  Object.fromEntries(ps.map((p) => [p.path, p]));

describe('readSubmission', () => {
  describe('a single prediction', () => {
    it('reads it as one item at the root of the body', () => {
      expect(read(valid)).toEqual({ batch: false, items: [{ at: '', prediction: valid }] });
    });

    it('takes the optional fields (confidence, ttl) when sent', () => {
      const p = { ...valid, confidence: 0.7, ttl: 60, kind: 'weight', value: -3 };
      expect(read(p).items[0]?.prediction).toEqual(p);
    });

    it('names each bad field by its pointer and shows the value sent', () => {
      const ps = problems({ ...valid, horizon: 1.5, confidence: 2, kind: 'guess' });
      expect(ps.map((p) => [p.path, p.value])).toEqual(
        expect.arrayContaining([
          ['/horizon', 1.5],
          ['/confidence', 2],
          ['/kind', 'guess'],
        ]),
      );
      expect(byPath(ps)['/kind']?.message).toBe('must be one of ["signal","weight"]');
      expect(byPath(ps)['/horizon']?.message).toBe('must be integer');
    });

    it('names every missing field as required, once each', () => {
      const ps = problems({});
      expect(ps.map((p) => p.path).sort()).toEqual(
        ['/asOf', '/horizon', '/instrument', '/kind', '/modelId', '/predictionId', '/value'].sort(),
      );
      expect(ps.every((p) => p.message === 'is required')).toBe(true);
    });

    it('refuses a field that is not a prediction’s, by its path', () => {
      expect(problems({ ...valid, signal: 0.5 })).toEqual([
        { path: '/signal', value: 0.5, message: 'is not a field of a prediction' },
      ]);
    });

    it('asks for an RFC 3339 timestamp with a zone for asOf', () => {
      expect(problems({ ...valid, asOf: '2026-03-01T12:00:00' })).toEqual([
        {
          path: '/asOf',
          value: '2026-03-01T12:00:00',
          message: 'must be an RFC 3339 timestamp with a zone, such as 2026-12-03T18:00:00Z',
        },
      ]);
    });

    it('refuses an id with whitespace, saying so', () => {
      expect(byPath(problems({ ...valid, predictionId: 'p 1' }))['/predictionId']?.message).toBe(
        'must be non-empty without whitespace',
      );
    });
  });

  describe('a batch', () => {
    it('reads every prediction with its pointer /predictions/<i>, in order', () => {
      const body = {
        predictions: [valid, { ...valid, predictionId: 'p-2' }, { ...valid, predictionId: 'p-3' }],
      };
      const r = read(body);
      expect(r.batch).toBe(true);
      expect(r.items.map((i) => [i.at, i.prediction.predictionId])).toEqual([
        ['/predictions/0', 'p-1'],
        ['/predictions/1', 'p-2'],
        ['/predictions/2', 'p-3'],
      ]);
    });

    it('names a bad field of an item by its full pointer into the body', () => {
      const body = { predictions: [valid, valid, { ...valid, value: 'high' }] };
      expect(problems(body)).toEqual([
        { path: '/predictions/2/value', value: 'high', message: 'must be number' },
      ]);
    });

    it('names problems of several items, each under its own index', () => {
      const body = {
        predictions: [{ ...valid, extra: true }, valid, valid, { ...valid, horizon: 0 }],
      };
      expect(problems(body).map((p) => p.path)).toEqual(['/predictions/0/extra', '/predictions/3/horizon']);
    });

    it('gives pointers that resolve in the body to the values shown', () => {
      const body = {
        predictions: [
          { ...valid, value: 'x', horizon: 'y' },
          1,
          { ...valid, kind: 'maybe', 'odd/name~': 3 },
          valid,
          { ...valid, confidence: -1 },
        ],
      };
      const ps = problems(body);
      // In any order: the schema checker decides which field of an item it reports first.
      expect(ps.map((p) => p.path).sort()).toEqual([
        '/predictions/0/horizon',
        '/predictions/0/value',
        '/predictions/1',
        '/predictions/2/kind',
        '/predictions/2/odd~1name~0',
        '/predictions/4/confidence',
      ]);
      for (const p of ps) expect(resolve(body, p.path)).toEqual(p.value);
    });

    it('refuses a field next to predictions, and an empty or oversized batch', () => {
      expect(problems({ predictions: [valid], dryRun: true })).toEqual([
        { path: '/dryRun', value: true, message: 'is not a field of a prediction' },
      ]);
      expect(problems({ predictions: [] })).toEqual([
        { path: '/predictions', value: 'array of 0', message: 'must hold at least one prediction' },
      ]);
      expect(problems({ predictions: Array.from({ length: MAX_BATCH + 1 }, () => valid) })).toEqual([
        {
          path: '/predictions',
          value: `array of ${MAX_BATCH + 1}`,
          message: `must hold at most ${MAX_BATCH} predictions`,
        },
      ]);
    });

    it('accepts a batch of exactly MAX_BATCH predictions', () => {
      const body = {
        predictions: Array.from({ length: MAX_BATCH }, (_, i) => ({ ...valid, predictionId: `p-${i}` })),
      };
      expect(read(body).items).toHaveLength(MAX_BATCH);
    });

    it('refuses an item that is not an object, at its index', () => {
      expect(problems({ predictions: [valid, 42] })).toEqual([
        expect.objectContaining({ path: '/predictions/1', value: 42 }),
      ]);
    });

    it('lists at most MAX_DETAILS problems however many there are', () => {
      // 100 items with 3 problems each: 300 problems.
      const bad = { ...valid, value: 'x', horizon: -1, kind: 'other' };
      const ps = problems({ predictions: Array.from({ length: 100 }, () => bad) });
      expect(ps).toHaveLength(MAX_DETAILS);
      expect(ps[0]?.path).toMatch(/^\/predictions\/0\//);
      expect(new Set(ps.map((p) => p.path)).size).toBe(MAX_DETAILS);
    });
  });

  describe('values shown in a problem', () => {
    it('shows an array as its length and an object as "object", never their content', () => {
      const ps = byPath(problems({ ...valid, value: [1, 2, 3], modelId: { secret: 'x' } }));
      expect(ps['/value']?.value).toBe('array of 3');
      expect(ps['/modelId']?.value).toBe('object');
      expect(JSON.stringify(ps)).not.toContain('secret');
    });

    it('cuts a long string to 200 characters and an ellipsis', () => {
      const long = 'x'.repeat(5000);
      const shown = byPath(problems({ ...valid, instrument: long }))['/instrument']?.value;
      expect(shown).toBe(`${'x'.repeat(200)}…`);
    });

    it('shows a string of 200 characters whole and cuts one of 201', () => {
      const edge = 'y'.repeat(200);
      expect(byPath(problems({ ...valid, instrument: edge }))['/instrument']?.value).toBe(edge);
      expect(byPath(problems({ ...valid, instrument: `${edge}z` }))['/instrument']?.value).toBe(`${edge}…`);
    });
  });

  describe('a body that is not an object', () => {
    it.each([
      ['a number', 42, 42],
      ['a string', 'predict', 'predict'],
      ['a boolean', true, true],
      ['null', null, null],
      ['an array', [valid, valid], 'array of 2'],
      ['an empty array', [], 'array of 0'],
    ])('refuses %s with one problem at the root (path "")', (_, body, shown) => {
      expect(problems(body)).toEqual([
        { path: '', value: shown, message: 'must be a prediction object, or { "predictions": [ ... ] }' },
      ]);
    });

    it('cuts a long string body short in the refusal', () => {
      const [p] = problems('z'.repeat(1000));
      expect(p?.value).toBe(`${'z'.repeat(200)}…`);
    });
  });
});
