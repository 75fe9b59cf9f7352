/**
 * Policy settings given as JSON (`keel twap-eval --policy`, what-if runs): validated against a
 * schema, so a misspelt key or a missing field is refused naming it and its value instead of
 * reaching the policy as `undefined` (a missing `takeLagSlices` used to make `nextWakeAt`
 * throw and the run quietly decide something else), then laid over a base policy. Nested
 * objects (`catchUpTolerance`, `imbalance`) are laid over the base's own, so
 * `{"imbalance":{"withdraw":0.2}}` changes only the withdraw threshold; `"imbalance": null`
 * turns the rules off.
 */
import * as E from 'fp-ts/Either';
import { Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ImbalancePolicy, PolicyConfig } from './child-order.policy';

const NonNegative = Type.Number({ minimum: 0 });
const Threshold = Type.Union([Type.Number({ minimum: -1, maximum: 2 }), Type.Null()]);

const ImbalanceSettingsSchema = Type.Object(
  {
    take: Type.Optional(Threshold),
    hold: Type.Optional(Threshold),
    withdraw: Type.Optional(Threshold),
    takeLagSlices: Type.Optional(NonNegative),
  },
  { additionalProperties: false },
);

export const PolicySettingsSchema = Type.Object(
  {
    repriceTicks: Type.Optional(Type.Integer({ minimum: 1 })),
    lookaheadSlices: Type.Optional(NonNegative),
    catchUpTolerance: Type.Optional(
      Type.Object(
        {
          low: Type.Optional(NonNegative),
          normal: Type.Optional(NonNegative),
          high: Type.Optional(NonNegative),
        },
        { additionalProperties: false },
      ),
    ),
    catchUpTarget: Type.Optional(NonNegative),
    finalSweepMs: Type.Optional(Type.Integer({ minimum: 0 })),
    improveWideSpread: Type.Optional(Type.Boolean()),
    childValidityMs: Type.Optional(Type.Integer({ minimum: 1 })),
    clipsPerSlice: Type.Optional(Type.Integer({ minimum: 1 })),
    imbalance: Type.Optional(Type.Union([ImbalanceSettingsSchema, Type.Null()])),
    maxRestingClips: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type PolicySettings = Static<typeof PolicySettingsSchema>;

// The schema names every setting of PolicyConfig and of its imbalance rule, and nothing else: a
// setting added to the policy and not here (or the reverse) fails to compile.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : false;
const schemaCoversPolicy: [
  SameKeys<PolicySettings, PolicyConfig>,
  SameKeys<Static<typeof ImbalanceSettingsSchema>, ImbalancePolicy>,
] = [true, true];
void schemaCoversPolicy;

/** Every imbalance rule off: what a given `imbalance` object is laid over when the base has none. */
const NO_IMBALANCE_RULE: ImbalancePolicy = { take: null, hold: null, withdraw: null, takeLagSlices: 0 };

/**
 * `settings` (parsed JSON) over `base`; Left names the first bad field (a JSON path) and its value.
 */
export const policyWithSettings = (base: PolicyConfig, settings: unknown): E.Either<string, PolicyConfig> => {
  if (!Value.Check(PolicySettingsSchema, settings)) {
    // A union reports only itself: name the field inside an `imbalance` object instead.
    const nested = (settings as { imbalance?: unknown }).imbalance;
    const [schema, value, prefix] =
      typeof nested === 'object' && nested !== null && !Value.Check(ImbalanceSettingsSchema, nested)
        ? [ImbalanceSettingsSchema, nested, '/imbalance']
        : [PolicySettingsSchema, settings, ''];
    const first = Value.Errors(schema, value).First();
    const path = `${prefix}${first?.path ?? ''}` || '(the settings)';
    const known = Object.keys(PolicySettingsSchema.properties).join(', ');
    return E.left(
      `${path} = ${JSON.stringify(first === undefined ? value : first.value) ?? 'undefined'}: ${first?.message ?? 'invalid'} (settings: ${known})`,
    );
  }
  const s = settings as PolicySettings;
  const { catchUpTolerance, imbalance, ...flat } = s;
  return E.right({
    ...base,
    ...flat,
    ...(catchUpTolerance === undefined
      ? {}
      : { catchUpTolerance: { ...base.catchUpTolerance, ...catchUpTolerance } }),
    ...(imbalance === undefined
      ? {}
      : {
          imbalance: imbalance === null ? null : { ...(base.imbalance ?? NO_IMBALANCE_RULE), ...imbalance },
        }),
  });
};
