#!/usr/bin/env node
/**
 * The `keel` launcher (package.json `bin` and `npm run keel`). The CLI runs from one bundled
 * file, dist/keel/keel.cjs, because compiling the TypeScript on every call (tsx) cost 2–6 s
 * per call. To keep that honest during development the launcher never runs a stale bundle: when
 * any source under apps/ libs/ tools/ (or the tsconfig, the lock file or this file) is newer
 * than the bundle, it rebuilds it first (esbuild, about a second), then runs it in this process.
 *
 *   node scripts/keel.cjs <command> …   run keel (rebuilding first if needed)
 *   node scripts/keel.cjs --build       build the bundle now (what install does), print nothing else
 *
 * Everything from npm stays outside the bundle (`packages: 'external'`): native modules
 * (better-sqlite3, @kurrent/*) cannot be bundled, ccxt is huge, and the rest loads from
 * node_modules just as fast; commands import their dependencies lazily, so `keel --help`
 * loads almost nothing. KEEL_BUNDLE_CHECK=0 skips the freshness check (CI after a build).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'dist', 'keel');
const bundle = path.join(outDir, 'keel.cjs');
/** What the bundle is built from: a change to any of these makes it stale. */
const SOURCE_DIRS = ['apps', 'libs', 'tools'];
const SOURCE_FILES = ['tsconfig.base.json', 'package-lock.json', 'scripts/keel.cjs'];
/** Directories that hold no bundled source (data, fixtures, build output). */
const SKIP_DIRS = new Set(['node_modules', 'test-data', 'dist', 'coverage', '.nx', 'released', 'data']);
const SOURCE_EXT = /\.(ts|cts|mts|js|cjs|mjs|json)$/;

/** The first source file newer than `since` (ms), or undefined: stops at the first one found. */
const newerSource = (since) => {
  for (const f of SOURCE_FILES) {
    const p = path.join(root, f);
    if (fs.existsSync(p) && fs.statSync(p).mtimeMs > since) return p;
  }
  const stack = SOURCE_DIRS.map((d) => path.join(root, d));
  while (stack.length > 0) {
    const dir = stack.pop();
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    // A directory's own mtime changes when a file in it is added, removed or renamed.
    if (fs.statSync(dir).mtimeMs > since) return dir;
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) stack.push(path.join(dir, e.name));
      } else if (SOURCE_EXT.test(e.name) && !e.name.includes('.spec.')) {
        const p = path.join(dir, e.name);
        if (fs.statSync(p).mtimeMs > since) return p;
      }
    }
  }
  return undefined;
};

/**
 * Source files find data beside themselves with `path.resolve(__dirname, …)` (the gateway's
 * simulator data, the released contract catalogs, the repository root of `keel start`). In
 * one bundle every file's `__dirname` would be dist/keel, so each source file's `__dirname`
 * and `__filename` become its own location, relative to the bundle (it still works if the
 * checkout moves). The bundle's real directory is `globalThis.__keelBundleDir` (see banner).
 */
const sourceDirnamePlugin = {
  name: 'source-dirname',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      const text = fs.readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(text)) return undefined;
      const rel = (p) => JSON.stringify(path.relative(outDir, p));
      const contents = text
        .replace(/\b__dirname\b/g, `require('node:path').join(__dirname, ${rel(path.dirname(args.path))})`)
        .replace(/\b__filename\b/g, `require('node:path').join(__dirname, ${rel(args.path)})`);
      return { contents, loader: 'ts' };
    });
  },
};

/** Build the bundle into a temporary file and rename it, so a concurrent call never runs half a file. */
const build = async () => {
  const esbuild = require('esbuild');
  const tmp = path.join(outDir, `.build-${process.pid}`);
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: {
      keel: 'tools/keel/src/main.ts',
      // The PnL backfill's scan worker runs in a worker thread: its own entry, beside keel.cjs.
      'pnl.scan.worker': 'libs/pnl/replay/src/lib/pnl.scan.worker.ts',
    },
    outdir: tmp,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    tsconfig: 'tsconfig.base.json',
    sourcemap: 'linked',
    logLevel: 'error',
    plugins: [sourceDirnamePlugin],
    // Where the bundle really is (code that starts the bundle again, or its worker, asks).
    banner: { js: 'globalThis.__keelBundleDir = __dirname;' },
  });
  if (result.errors.length > 0) process.exit(1);
  for (const f of fs.readdirSync(tmp)) fs.renameSync(path.join(tmp, f), path.join(outDir, f));
  fs.rmSync(tmp, { recursive: true, force: true });
};

const ensureFresh = async () => {
  fs.mkdirSync(outDir, { recursive: true });
  const built = fs.existsSync(bundle) ? fs.statSync(bundle).mtimeMs : -1;
  const changed =
    built < 0 ? 'no bundle yet' : process.env.KEEL_BUNDLE_CHECK === '0' ? undefined : newerSource(built);
  if (changed === undefined) return;
  const t0 = Date.now();
  await build();
  if (process.env.KEEL_QUIET_BUILD !== '1')
    process.stderr.write(
      `[keel] rebuilt the CLI bundle in ${Date.now() - t0} ms (${built < 0 ? changed : `${path.relative(root, changed)} changed`})\n`,
    );
};

module.exports = { newerSource, build, bundle, root };

const launch = async () => {
  if (process.argv[2] === '--build') {
    fs.mkdirSync(outDir, { recursive: true });
    await build();
  } else {
    await ensureFresh();
    require(bundle);
  }
};

if (require.main === module)
  launch().catch((e) => {
    process.stderr.write(`keel: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
