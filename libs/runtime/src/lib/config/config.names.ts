/**
 * How settings are named outside the code: `natsUrl` is `KEEL_NATS_URL` in the environment
 * and `natsUrl` in a config file. Also the "did you mean" hint for a mistyped name.
 */

/** `natsUrl` → `NATS_URL`, `storeURI` → `STORE_URI`, `ema20Window` → `EMA20_WINDOW`. */
export const screamingSnake = (field: string): string =>
  field
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[-.\s]+/g, '_')
    .toUpperCase();

/** The environment variable that sets `field`. */
export const envNameFor = (prefix: string, field: string): string => `${prefix}${screamingSnake(field)}`;

const editDistance = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
};

/** The closest known name, if it is close enough to be a plausible typo. */
export const closestName = (name: string, known: readonly string[]): string | undefined => {
  let best: { readonly name: string; readonly d: number } | undefined;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (!best || d < best.d) best = { name: k, d };
  }
  // Three edits covers swapped letters and a dropped underscore without suggesting nonsense.
  return best && best.d <= Math.min(3, Math.ceil(name.length / 3)) ? best.name : undefined;
};
