/**
 * An instrument's rules in their stored (catalog) form and back: decimals as decimal
 * strings, exactly. Used wherever rules travel in an event (`InstrumentsListed` from the
 * gateway, `ParentOrderStarted` from execution). The mapping is the catalog's codec on the
 * catalog's `InstrumentRules` schema, not a hand-written copy of it.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { EventData, InstrumentRules } from '@keel/events';
import { Instrument } from './instrument';

export type StoredInstrumentRules = EventData<'InstrumentsListed'>['instruments'][number];

const rules = TypeCompiler.Compile(InstrumentRules);

/** The stored form of an instrument's rules (throws only on an Instrument that breaks its own type). */
export const instrumentToStored = (i: Instrument): StoredInstrumentRules =>
  rules.Encode({ ...i }) as StoredInstrumentRules;

/** An instrument from its stored rules (already validated as part of their event). */
export const instrumentFromStored = (r: StoredInstrumentRules): Instrument => rules.Decode(r);
