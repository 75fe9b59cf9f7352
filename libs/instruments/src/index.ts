// @keel/instruments: the instrument contract several contexts share (execution sizes with
// it, the venue lists and checks against it, rollover maps contracts to it): the
// `Instrument` and `Side` types, exact grid rounding, the stored (event) form of an
// instrument's rules and the instrument presets. Pure: no I/O, no clock.
export * from './lib/instrument';
export * from './lib/exact.decimal';
export * from './lib/instrument.rounding';
export * from './lib/instrument.stored';
export * from './lib/instrument.presets';
