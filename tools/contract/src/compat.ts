/**
 * The compatibility check: can the current catalog still read every event the released
 * catalog could write? Stored logs are never rewritten, so for every released type:
 *
 * - it must still be readable: a current definition of the same name, or one whose
 *   `formerly` names it with `throughVersion` ≥ the released version (as decoding resolves a
 *   stored type name: the same name first). The former names it was released with stay too.
 * - its version may not go down.
 * - at the same version, the current schema must accept everything the released schema
 *   accepted (a structural JSON Schema subsumption, conservative: see subsumes.ts), checked
 *   again on sample payloads when the generator can make them.
 * - at a newer version, an upcaster must exist for every step from the released version to
 *   the current one, and sample payloads valid under the released schema (200 by default,
 *   seeded) must validate against the current schema once upcast.
 * - upcasters present at the release (steps below the released version) may not be removed.
 *
 * Payloads are validated the way the codec does it: TypeBox's compiled check of the
 * definition's schema (a transform type is checked on its JSON side).
 */
import { TSchema } from '@sinclair/typebox';
import { TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { EVENT_DEFINITIONS, EventDefinition } from '@keel/events';
import { plainSchema, sameSchema } from './json-schema';
import { ReleasedCatalog, ReleasedEvent } from './released';
import { samplesOf, UnsupportedSchema } from './samples';
import { subsumes } from './subsumes';

export interface Problem {
  /** The released type name. */
  readonly type: string;
  /** The released version of it. */
  readonly version: number;
  /** The current definition that reads it, when there is one and it is named otherwise. */
  readonly currentType?: string;
  /** Where in the payload (JSON Pointer, `''` = the whole payload or the type itself). */
  readonly path: string;
  /** What broke, in plain words. */
  readonly message: string;
  /** The sample payload (as stored at the released version) that showed it, if any. */
  readonly sample?: unknown;
}

export interface CompatibilityOptions {
  /** Sample payloads per type (default 200). */
  readonly samples?: number;
  /** The seed the samples derive from (default fixed: the check is deterministic). */
  readonly seed?: number;
}

/** Sample failures reported per type (each a distinct path and message), at most. */
const MAX_SAMPLE_PROBLEMS = 5;

/** One line: `PredictionReceived v3 /market/state: the value "holiday" is no longer accepted …`. */
export const formatProblem = (p: Problem): string =>
  `${p.type} v${p.version}${p.currentType ? ` (read as ${p.currentType})` : ''} ${p.path || '/'}: ${p.message}${
    p.sample === undefined ? '' : `\n    sample: ${JSON.stringify(p.sample)}`
  }`;

/** What to do about problems, for a failing check. */
export const COMPATIBILITY_HINT =
  'A breaking change to a payload needs a new version with an upcaster (a rename: a new version, an upcaster and a `formerly` entry). ' +
  'A deliberate release refreshes the released catalog: `npm run --silent keel -- contract release`, then commit the new tools/contract/released/catalog-<release>.json (docs/event-compatibility.md).';

const checks = new WeakMap<TSchema, TypeCheck<TSchema>>();
const checkOf = (schema: TSchema): TypeCheck<TSchema> => {
  let c = checks.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    checks.set(schema, c);
  }
  return c;
};

/** A stable 31-bit seed per type, so adding a type does not change another's samples. */
const seedOf = (base: number, type: string): number => {
  let h = base | 0;
  for (let i = 0; i < type.length; i++) h = (Math.imul(h, 31) + type.charCodeAt(i)) | 0;
  return h & 0x7fffffff;
};

/** The current definition that reads events stored as `type` at `version`, as decoding resolves it. */
const readerOf = (
  type: string,
  version: number,
  current: Readonly<Record<string, EventDefinition>>,
): { readonly def?: EventDefinition; readonly why?: string } => {
  const same = Object.values(current).find((d) => d.type === type);
  if (same) return { def: same };
  const renamed = Object.values(current).filter((d) => (d.formerly ?? []).some((f) => f.type === type));
  const reading = renamed.filter((d) =>
    (d.formerly ?? []).some((f) => f.type === type && f.throughVersion >= version),
  );
  if (reading.length > 1)
    return {
      why: `more than one current type lists it in formerly (${reading.map((d) => d.type).join(', ')}): stored events would be ambiguous`,
    };
  if (reading[0]) return { def: reading[0] };
  if (renamed.length)
    return {
      why: `${renamed.map((d) => d.type).join(', ')} lists it in formerly only through an earlier version (throughVersion < ${version}), so events stored at v${version} would no longer decode`,
    };
  return {
    why: 'removed or renamed without formerly: no current type has this name and none lists it in formerly, so stored events of it would no longer decode (a rename needs a new version, an upcaster and a `formerly` entry)',
  };
};

/** Every way the current catalog fails to read what the released catalog could write. */
export const compatibilityProblems = (
  released: ReleasedCatalog,
  current: Readonly<Record<string, EventDefinition>> = EVENT_DEFINITIONS,
  options: CompatibilityOptions = {},
): readonly Problem[] => {
  const samples = options.samples ?? 200;
  const seed = options.seed ?? 20261203;
  return Object.entries(released.events).flatMap(([type, rel]) =>
    eventProblems(type, rel, current, samples, seed),
  );
};

const eventProblems = (
  type: string,
  rel: ReleasedEvent,
  current: Readonly<Record<string, EventDefinition>>,
  samples: number,
  seed: number,
): Problem[] => {
  const version = rel.version;
  const { def, why } = readerOf(type, version, current);
  if (!def) return [{ type, version, path: '', message: why ?? 'no longer readable' }];
  const base = { type, version, ...(def.type === type ? {} : { currentType: def.type }) };
  const problem = (path: string, message: string, sample?: unknown): Problem => ({
    ...base,
    path,
    message,
    ...(sample === undefined ? {} : { sample }),
  });
  const problems: Problem[] = [];

  // Former names released with it must still read as it.
  for (const f of rel.formerly) {
    const kept = (def.formerly ?? []).some((g) => g.type === f.type && g.throughVersion >= f.throughVersion);
    const shadowed = Object.values(current).some((d) => d.type === f.type);
    if (!kept || shadowed)
      problems.push(
        problem(
          '',
          shadowed
            ? `former name ${f.type} (through v${f.throughVersion}) is now the name of a current type: events stored under it would decode as that type`
            : `former name ${f.type} (through v${f.throughVersion}) was dropped from formerly: events stored under it would no longer decode`,
        ),
      );
  }
  // Upcasters that existed at the release stay.
  for (const n of rel.upcasters)
    if (n < def.version && typeof def.upcasters[n] !== 'function')
      problems.push(
        problem(
          '',
          `the upcaster v${n} → v${n + 1} was removed: events stored at v${n} would no longer decode`,
        ),
      );

  if (def.version < version)
    return [
      ...problems,
      problem(
        '',
        `version went down from ${version} to ${def.version}: events stored at v${version} would no longer decode`,
      ),
    ];

  if (def.version === version) {
    const cur = plainSchema(def.schema);
    if (sameSchema(rel.schema, cur)) return problems;
    const structural = subsumes(rel.schema, cur).map((s) =>
      problem(
        s.path,
        `${s.message} (same version ${version}: a breaking change needs a new version and an upcaster)`,
      ),
    );
    if (structural.length) return [...problems, ...structural];
    // A second opinion on samples, when the generator can make them.
    return [...problems, ...sampleProblems(rel, def, samples, seedOf(seed, type), problem, false)];
  }

  const missing: number[] = [];
  for (let n = version; n < def.version; n++) if (typeof def.upcasters[n] !== 'function') missing.push(n);
  if (missing.length)
    return [
      ...problems,
      ...missing.map((n) =>
        problem(
          '',
          `new version ${def.version} without an upcaster v${n} → v${n + 1}: events stored at v${version} cannot be lifted to v${def.version}`,
        ),
      ),
    ];
  return [...problems, ...sampleProblems(rel, def, samples, seedOf(seed, type), problem, true)];
};

/**
 * Samples valid under the released schema, upcast from the released version to the current
 * one (the reading definition's chain), validated against the current schema.
 */
const sampleProblems = (
  rel: ReleasedEvent,
  def: EventDefinition,
  count: number,
  seed: number,
  problem: (path: string, message: string, sample?: unknown) => Problem,
  required: boolean,
): Problem[] => {
  let payloads: readonly unknown[];
  try {
    payloads = samplesOf(rel.schema, count, seed);
  } catch (e) {
    if (!(e instanceof UnsupportedSchema)) throw e;
    if (!required) return [];
    return [
      problem(
        e.path,
        `cannot generate sample payloads from the released schema (${e.message}), so the upcasters to v${def.version} cannot be checked`,
      ),
    ];
  }
  const check = checkOf(def.schema);
  const failures = new Map<
    string,
    { path: string; message: string; sample: unknown; index: number; count: number }
  >();
  const fail = (path: string, message: string, sample: unknown, index: number): void => {
    const key = `${path}\u0000${message}`;
    const seen = failures.get(key);
    if (seen) seen.count++;
    else failures.set(key, { path, message, sample, index, count: 1 });
  };
  payloads.forEach((sample, index) => {
    let data: unknown = structuredClone(sample);
    for (let n = rel.version; n < def.version; n++) {
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        const what = n === rel.version ? 'the stored payload' : `the upcaster v${n - 1} → v${n}`;
        fail('', `${what} gave ${JSON.stringify(data)}, not an object`, sample, index);
        return;
      }
      try {
        data = (def.upcasters[n] as (d: Record<string, unknown>) => unknown)(data as Record<string, unknown>);
      } catch (e) {
        fail(
          '',
          `the upcaster v${n} → v${n + 1} threw: ${e instanceof Error ? e.message : String(e)}`,
          sample,
          index,
        );
        return;
      }
    }
    if (check.Check(data)) return;
    const err = check.Errors(data).First();
    const got = err === undefined ? '' : ` (got ${JSON.stringify(err.value) ?? 'nothing'})`;
    fail(err?.path ?? '', `${err?.message ?? 'is invalid'}${got}`, sample, index);
  });
  const lifted = rel.version === def.version ? 'as it is' : `upcast v${rel.version} → v${def.version}`;
  return [...failures.values()]
    .slice(0, MAX_SAMPLE_PROBLEMS)
    .map((f) =>
      problem(
        f.path,
        `sample #${f.index} (valid under the released v${rel.version} schema), ${lifted}, fails the current v${def.version} schema: ${f.message}; ${f.count} of ${payloads.length} samples fail this way`,
        f.sample,
      ),
    );
};
