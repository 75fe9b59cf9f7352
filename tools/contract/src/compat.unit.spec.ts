/**
 * The compatibility check, on the real catalog against the released file, and on modified
 * copies of real definitions (the catalog itself is never edited) released as they stand
 * now: each breaking change must be reported, naming the type; each allowed one must not.
 */
import { TObject, TProperties, TSchema, TUnion, Type } from '@sinclair/typebox';
import { Decimal, EVENT_DEFINITIONS, EventDefinition, Timestamp, Upcaster } from '@keel/events';
import { COMPATIBILITY_HINT, compatibilityProblems, formatProblem, Problem } from './compat';
import { readReleasedCatalogs, releaseCatalog } from './released';

const DEFS = EVENT_DEFINITIONS as unknown as Readonly<Record<string, EventDefinition>>;
/** The catalog as it stands, released: the baseline the modified copies are compared with. */
const BASELINE = releaseCatalog({ label: 'test', date: '2026-01-01' }, DEFS);

const def = (type: string): EventDefinition => {
  const d = DEFS[type];
  if (!d) throw new Error(`no ${type} in the catalog`);
  return d;
};
const propertiesOf = (type: string): TProperties => (def(type).schema as TObject).properties;
const closed = (properties: TProperties): TSchema => Type.Object(properties, { additionalProperties: false });
/** The catalog with `changed` in place of (or next to) its own definition, minus `removed`. */
const catalogWith = (changed: readonly EventDefinition[], removed: readonly string[] = []) => {
  const out: Record<string, EventDefinition> = {};
  for (const [k, d] of Object.entries(DEFS)) if (!removed.includes(k)) out[k] = d;
  for (const d of changed) out[d.type] = d;
  return out;
};
const problemsWith = (changed: readonly EventDefinition[], removed: readonly string[] = []) =>
  compatibilityProblems(BASELINE, catalogWith(changed, removed), { samples: 200 });
/** The definition `type` one version up, with `schema` and an upcaster from the current version. */
const nextVersion = (type: string, schema: TSchema, upcaster?: Upcaster): EventDefinition => {
  const d = def(type);
  return {
    ...d,
    version: d.version + 1,
    schema,
    upcasters: upcaster ? { ...d.upcasters, [d.version]: upcaster } : d.upcasters,
  };
};
const explain = (problems: readonly Problem[]): string => problems.map(formatProblem).join('\n');

/** The JSON side of a schema (a catalog block may itself be a transform). */
const plainJson = (s: TSchema): { pattern?: string } => JSON.parse(JSON.stringify(s)) as { pattern?: string };

const RELEASES = readReleasedCatalogs();

describe('the current catalog against every released catalog (tools/contract/released/)', () => {
  it('there is at least one release, the first 0.1.0', () => {
    expect(RELEASES.map((r) => r.release)[0]).toBe('0.1.0');
  });

  it.each(RELEASES.map((r) => [r.release, r] as const))(
    'reads release %s: no compatibility problems',
    (_label, released) => {
      const problems = compatibilityProblems(released);
      if (problems.length)
        throw new Error(
          `${problems.length} compatibility problem(s) against release ${released.release}:\n${explain(problems)}\n\n${COMPATIBILITY_HINT}`,
        );
    },
  );

  it('every released file is a release of a catalog (every type with a version and a JSON Schema)', () => {
    for (const released of RELEASES) {
      expect(released.release).toMatch(/^\d+\.\d+\.\d+/);
      expect(Object.keys(released.events).length).toBeGreaterThan(0);
    }
  });

  it('the catalog released now has no problems against itself', () => {
    expect(compatibilityProblems(BASELINE)).toEqual([]);
  });
});

describe('breaking changes are reported', () => {
  const expectProblem = (
    problems: readonly Problem[],
    type: string,
    path: string | RegExp,
    message: RegExp,
  ) => {
    const hit = problems.find(
      (p) =>
        p.type === type &&
        (typeof path === 'string' ? p.path === path : path.test(p.path)) &&
        message.test(p.message),
    );
    if (!hit)
      throw new Error(
        `expected a problem on ${type} ${String(path)} ${String(message)}; got:\n${explain(problems)}`,
      );
  };

  it('a required field added at the same version', () => {
    const d = {
      ...def('ContractMapped'),
      schema: closed({ ...propertiesOf('ContractMapped'), exchange: Type.String() }),
    };
    expectProblem(problemsWith([d]), 'ContractMapped', '/exchange', /new property "exchange" is required/);
  });

  it('a literal removed from a union', () => {
    const d = {
      ...def('ParentOrderPaused'),
      schema: closed({ ...propertiesOf('ParentOrderPaused'), reason: Type.Union([Type.Literal('market')]) }),
    };
    expectProblem(problemsWith([d]), 'ParentOrderPaused', '/reason', /"killSwitch" is no longer accepted/);
  });

  it('a pattern changed', () => {
    const d = {
      ...def('RollScheduled'),
      schema: closed({
        ...propertiesOf('RollScheduled'),
        rollStart: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$' }),
      }),
    };
    expectProblem(problemsWith([d]), 'RollScheduled', '/rollStart', /pattern changed from/);
  });

  it("a field's type changed", () => {
    const d = {
      ...def('TargetPositionSet'),
      schema: closed({ ...propertiesOf('TargetPositionSet'), horizonSec: Type.String() }),
    };
    expectProblem(
      problemsWith([d]),
      'TargetPositionSet',
      '/horizonSec',
      /type changed from integer to string/,
    );
  });

  it('a number narrowed to an integer', () => {
    const d = {
      ...def('PredictionReceived'),
      schema: closed({ ...propertiesOf('PredictionReceived'), value: Type.Integer() }),
    };
    expectProblem(problemsWith([d]), 'PredictionReceived', '/value', /narrowed from number to integer/);
  });

  it('maxLength lowered', () => {
    const d = {
      ...def('TargetPositionSet'),
      schema: closed({ ...propertiesOf('TargetPositionSet'), reason: Type.String({ maxLength: 100 }) }),
    };
    expectProblem(problemsWith([d]), 'TargetPositionSet', '/reason', /maxLength lowered from 500 to 100/);
  });

  it('a type removed', () => {
    expectProblem(
      problemsWith([], ['KillSwitchReleased']),
      'KillSwitchReleased',
      '',
      /removed or renamed without formerly/,
    );
  });

  it('a type renamed without formerly', () => {
    const d = def('KillSwitchReleased');
    const renamed = { ...nextVersion('KillSwitchReleased', d.schema, (x) => x), type: 'KillSwitchLifted' };
    expectProblem(
      problemsWith([renamed], ['KillSwitchReleased']),
      'KillSwitchReleased',
      '',
      /renamed without formerly/,
    );
  });

  it('a new version without an upcaster', () => {
    const d = nextVersion('TargetPositionSet', def('TargetPositionSet').schema);
    const v = def('TargetPositionSet').version;
    expectProblem(
      problemsWith([d]),
      'TargetPositionSet',
      '',
      new RegExp(`without an upcaster v${v} → v${v + 1}`),
    );
  });

  it('a new version whose upcaster produces invalid data', () => {
    // v+1 renames `contract` to `contractCode`; the upcaster forgets to.
    const { contract, ...rest } = propertiesOf('ContractMapped');
    const d = nextVersion('ContractMapped', closed({ ...rest, contractCode: contract as TSchema }), (x) => x);
    const problems = problemsWith([d]);
    expectProblem(
      problems,
      'ContractMapped',
      /^\/(contract|contractCode)?$/,
      /sample #\d+ .*fails the current/,
    );
    const p = problems.find((q) => q.type === 'ContractMapped');
    expect(p?.sample).toEqual(expect.objectContaining({ contract: expect.any(String) }));
  });

  it('a new version whose upcaster throws on some stored payloads', () => {
    const d = nextVersion('PredictionReceived', def('PredictionReceived').schema, (x) => {
      if (x['market'] === null) throw new Error('market is null');
      return x;
    });
    expectProblem(problemsWith([d]), 'PredictionReceived', '', /upcaster v\d+ → v\d+ threw: market is null/);
  });

  it('the version decreased', () => {
    const d = { ...def('PredictionReceived'), version: def('PredictionReceived').version - 1 };
    expectProblem(problemsWith([d]), 'PredictionReceived', '', /version went down/);
  });

  it('an upcaster that existed at the release removed', () => {
    const d = def('PredictionReceived');
    if (d.version < 2) return; // nothing to remove
    const changed = { ...d, upcasters: { ...d.upcasters, 1: undefined as unknown as Upcaster } };
    expectProblem(problemsWith([changed]), 'PredictionReceived', '', /upcaster v1 → v2 was removed/);
  });

  it('a former name released with a type dropped later', () => {
    const withFormerName = {
      ...def('KillSwitchReleased'),
      formerly: [{ type: 'KillSwitchOff', throughVersion: 1 }],
    };
    const released = releaseCatalog({ label: 'test', date: '2026-01-01' }, catalogWith([withFormerName]));
    expectProblem(
      compatibilityProblems(released, DEFS),
      'KillSwitchReleased',
      '',
      /former name KillSwitchOff .* dropped/,
    );
  });
});

describe('allowed changes are not reported', () => {
  const expectNone = (problems: readonly Problem[]) => {
    if (problems.length) throw new Error(`expected no problems; got:\n${explain(problems)}`);
  };

  it('an optional field added', () => {
    const d = {
      ...def('ContractMapped'),
      schema: closed({ ...propertiesOf('ContractMapped'), exchange: Type.Optional(Type.String()) }),
    };
    expectNone(problemsWith([d]));
  });

  it('a union widened', () => {
    // Every reason the catalog has today, plus one.
    const reasons = (propertiesOf('ParentOrderPaused')['reason'] as TUnion).anyOf;
    const d = {
      ...def('ParentOrderPaused'),
      schema: closed({
        ...propertiesOf('ParentOrderPaused'),
        reason: Type.Union([...reasons, Type.Literal('maintenance')]),
      }),
    };
    expectNone(problemsWith([d]));
  });

  it('maxLength raised, a required field made optional, a bound widened', () => {
    const p = propertiesOf('TargetPositionSet');
    const d = {
      ...def('TargetPositionSet'),
      schema: closed({
        ...p,
        reason: Type.String({ maxLength: 1000 }),
        targetQty: Type.Optional(p['targetQty'] as TSchema),
        horizonSec: Type.Integer({ minimum: 0 }),
      }),
    };
    expectNone(problemsWith([d]));
  });

  it('a field becoming a TypeBox transform (same JSON)', () => {
    const d = {
      ...def('RollScheduled'),
      schema: closed({
        ...propertiesOf('RollScheduled'),
        rollStart: Type.Transform(Type.String(plainJson(Timestamp())))
          .Decode((s) => Date.parse(s))
          .Encode((ms) => new Date(ms).toISOString()),
      }),
    };
    expectNone(problemsWith([d]));
  });

  it('a new version with a correct upcaster', () => {
    const { contract, ...rest } = propertiesOf('ContractMapped');
    const d = nextVersion(
      'ContractMapped',
      closed({ ...rest, contractCode: contract as TSchema, multiplier: Decimal() }),
      ({ contract: code, ...x }) => ({ ...x, contractCode: code, multiplier: '1' }),
    );
    expectNone(problemsWith([d]));
  });

  it('a rename with formerly and an upcaster', () => {
    const old = def('KillSwitchReleased');
    const { scope, ...rest } = propertiesOf('KillSwitchReleased');
    const renamed: EventDefinition = {
      ...nextVersion(
        'KillSwitchReleased',
        closed({ ...rest, range: scope as TSchema }),
        ({ scope: s, ...x }) => ({
          ...x,
          range: s,
        }),
      ),
      type: 'KillSwitchLifted',
      formerly: [{ type: 'KillSwitchReleased', throughVersion: old.version }],
    };
    expectNone(problemsWith([renamed], ['KillSwitchReleased']));
  });

  it('a context or owner moved (not a payload change)', () => {
    expectNone(problemsWith([{ ...def('TargetPositionSet'), owner: 'another-app' }]));
  });
});
