/**
 * The released catalogs: the event catalog as it was at each release, kept in the repo
 * (tools/contract/released/catalog-<release>.json) so the compatibility check can compare the
 * current catalog with every one of them (a log written under any release must still read).
 * Releasing is `npm run --silent keel -- contract release` and committing the new file
 * (docs/event-compatibility.md).
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { EVENT_DEFINITIONS, EventDefinition } from '@keel/events';
import { JsonSchema, plainSchema } from './json-schema';

const WORKSPACE_ROOT = resolve(__dirname, '../../..');
/** Where the released catalogs live, one file per release. */
export const RELEASED_DIR = join(WORKSPACE_ROOT, 'tools/contract/released');
/** The file of one release. */
export const releasedCatalogPath = (label: string): string => join(RELEASED_DIR, `catalog-${label}.json`);

/** Every released catalog file, oldest first (by release date, then label). */
export const releasedCatalogPaths = (dir = RELEASED_DIR): readonly string[] =>
  readdirSync(dir)
    .filter((f) => /^catalog-.+\.json$/.test(f))
    .map((f) => join(dir, f))
    .map((path) => ({ path, c: readReleasedCatalog(path) }))
    .sort(
      (a, b) =>
        a.c.date.localeCompare(b.c.date) || a.c.release.localeCompare(b.c.release, 'en', { numeric: true }),
    )
    .map((x) => x.path);

/** Every released catalog, oldest first. */
export const readReleasedCatalogs = (dir = RELEASED_DIR): readonly ReleasedCatalog[] =>
  releasedCatalogPaths(dir).map((p) => readReleasedCatalog(p));

const ReleasedEventSchema = Type.Object(
  {
    context: Type.String({ minLength: 1 }),
    owner: Type.String({ minLength: 1 }),
    version: Type.Integer({ minimum: 1 }),
    /** Names the type was stored under before a rename, as `formerly` said at the release. */
    formerly: Type.Array(
      Type.Object(
        { type: Type.String({ minLength: 1 }), throughVersion: Type.Integer({ minimum: 1 }) },
        { additionalProperties: false },
      ),
    ),
    /** The versions n that had an upcaster n → n + 1 at the release. */
    upcasters: Type.Array(Type.Integer({ minimum: 1 })),
    /** The plain JSON Schema of the payload at `version`. */
    schema: Type.Union([Type.Boolean(), Type.Record(Type.String(), Type.Unknown())]),
  },
  { additionalProperties: false },
);

const ReleasedCatalogSchema = Type.Object(
  {
    about: Type.String(),
    /** The release label: the workspace package.json version when it was released. */
    release: Type.String({ minLength: 1 }),
    /** The release date, `YYYY-MM-DD`. */
    date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    events: Type.Record(Type.String(), ReleasedEventSchema),
  },
  { additionalProperties: false },
);
const releasedCatalogCheck = TypeCompiler.Compile(ReleasedCatalogSchema);

export type ReleasedEvent = Static<typeof ReleasedEventSchema> & { readonly schema: JsonSchema };
export type ReleasedCatalog = Static<typeof ReleasedCatalogSchema> & {
  readonly events: Readonly<Record<string, ReleasedEvent>>;
};

/** The current catalog, as a release would record it. */
export const releaseCatalog = (
  release: { readonly label: string; readonly date: string },
  definitions: Readonly<Record<string, EventDefinition>> = EVENT_DEFINITIONS,
): ReleasedCatalog => ({
  about:
    'The event catalog as released: the compatibility check (tools/contract) compares the current catalog with it. Written by `npm run --silent keel -- contract release`; never edited by hand (docs/event-compatibility.md).',
  release: release.label,
  date: release.date,
  events: Object.fromEntries(
    Object.values(definitions).map((d) => [
      d.type,
      {
        context: d.context,
        owner: d.owner,
        version: d.version,
        formerly: (d.formerly ?? []).map((f) => ({ type: f.type, throughVersion: f.throughVersion })),
        upcasters: Object.keys(d.upcasters)
          .map(Number)
          .filter((n) => Number.isInteger(n) && typeof d.upcasters[n] === 'function')
          .sort((a, b) => a - b),
        schema: plainSchema(d.schema),
      },
    ]),
  ),
});

/** Read and check a released catalog file; a malformed one is an error naming the first bad field. */
export const readReleasedCatalog = (path: string): ReleasedCatalog => {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!releasedCatalogCheck.Check(parsed)) {
    const err = releasedCatalogCheck.Errors(parsed).First();
    throw new Error(`${path}: not a released catalog: ${err ? `${err.path} ${err.message}` : 'invalid'}`);
  }
  return parsed as ReleasedCatalog;
};

/** The file's text, formatted by the workspace's prettier (so `prettier --check` passes). */
export const formatReleasedCatalog = async (catalog: ReleasedCatalog, path: string): Promise<string> => {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(JSON.stringify(catalog, null, 2), { ...options, filepath: path });
};

/** Write the released catalog file (the release); returns what was written. */
export const writeReleasedCatalog = async (
  catalog: ReleasedCatalog,
  path = releasedCatalogPath(catalog.release),
): Promise<string> => {
  const text = await formatReleasedCatalog(catalog, path);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return text;
};

/** The workspace's package.json version: the default release label. */
export const workspaceVersion = (): string =>
  (JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
