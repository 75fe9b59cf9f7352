/**
 * `keel contract release|check`: the event catalog's compatibility contract (tools/contract).
 *   contract release [--label 0.2.0] [--date 2026-12-03]
 *       writes tools/contract/released/catalog-<label>.json from the current catalog; commit it.
 *       The label defaults to the workspace package.json version, the date to today (UTC).
 *   contract check
 *       compares the current catalog with every released one; exit 1 when something breaks.
 */
import {
  COMPATIBILITY_HINT,
  compatibilityProblems,
  formatProblem,
  readReleasedCatalogs,
  releaseCatalog,
  releasedCatalogPath,
  workspaceVersion,
  writeReleasedCatalog,
} from '@keel/contract';
import { relative } from 'node:path';
import { parseFlags, UsageError } from '../cli.io';
import type { Command, OptionSpecs } from './command';

const shown = (path: string): string => relative(process.cwd(), path) || path;

const RELEASE_OPTIONS = {
  label: {
    type: 'string',
    valueName: 'label',
    description: "the release's name",
    defaultText: "package.json's version",
  },
  date: {
    type: 'string',
    valueName: 'YYYY-MM-DD',
    description: 'release date, YYYY-MM-DD',
    defaultText: 'today (UTC)',
  },
} as const satisfies OptionSpecs;

export const contractReleaseCommand: Command = {
  options: RELEASE_OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, RELEASE_OPTIONS);
    const label = flags.label ?? workspaceVersion();
    const date = flags.date ?? new Date().toISOString().slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
      throw new UsageError(`--date must be YYYY-MM-DD (got ${JSON.stringify(date)})`);
    if (!label.trim()) throw new UsageError('--label must not be empty');
    const catalog = releaseCatalog({ label, date });
    await writeReleasedCatalog(catalog);
    const result = {
      file: shown(releasedCatalogPath(label)),
      release: label,
      date,
      types: Object.keys(catalog.events).length,
    };
    io.result(
      result,
      () =>
        `wrote ${result.file}: release ${label} (${date}), ${result.types} event types. Commit it: it is what the compatibility check compares with.`,
    );
    return 0;
  },
};

const CHECK_OPTIONS = {} as const satisfies OptionSpecs;

export const contractCheckCommand: Command = {
  options: CHECK_OPTIONS,
  run: async (args, io) => {
    parseFlags(args, CHECK_OPTIONS);
    const releases = readReleasedCatalogs().map((released) => ({
      release: released.release,
      date: released.date,
      problems: compatibilityProblems(released),
    }));
    const count = releases.reduce((n, r) => n + r.problems.length, 0);
    io.result({ releases }, () =>
      releases
        .map((r) =>
          r.problems.length === 0
            ? `compatible with release ${r.release} (${r.date})`
            : [
                `${r.problems.length} compatibility problem(s) against release ${r.release} (${r.date}):`,
                ...r.problems.map((p) => `  ${formatProblem(p)}`),
              ].join('\n'),
        )
        .concat(count === 0 ? [] : ['', COMPATIBILITY_HINT])
        .join('\n'),
    );
    return count === 0 ? 0 : 1;
  },
};
