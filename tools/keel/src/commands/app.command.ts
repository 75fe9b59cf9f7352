/**
 * `keel app <name>` (hidden): run app <name>'s main in this process, as
 * `node --import tsx apps/<name>/src/main.ts` would, but from the CLI bundle: one file already
 * compiled, so an app starts in a fraction of tsx's time. Process supervisors launch apps with
 * `keelLaunch(['app', name])` (app-launch.ts). Importing an app's main starts it; it sets
 * the exit code itself when it stops.
 *
 * The table is static so the bundler sees every app (a computed import path would not be bundled).
 */
import { UsageError } from '../cli.io';
import type { Command } from './command';

/* eslint-disable @nx/enforce-module-boundaries -- the launcher of the apps must reach their mains; nothing else is imported from apps/ */
const APPS: Readonly<Record<string, () => Promise<unknown>>> = {
  'balance-aggregator': () => import('../../../../apps/balance-aggregator/src/main'),
  'cme-rollover': () => import('../../../../apps/cme-rollover/src/main'),
  execution: () => import('../../../../apps/execution/src/main'),
  gateway: () => import('../../../../apps/gateway/src/main'),
  optimizer: () => import('../../../../apps/optimizer/src/main'),
  'prediction-ingest': () => import('../../../../apps/prediction-ingest/src/main'),
  relay: () => import('../../../../apps/relay/src/main'),
};
/* eslint-enable @nx/enforce-module-boundaries */

export const APP_NAMES: readonly string[] = Object.keys(APPS);

export const appCommand: Command = {
  description: `usage: keel app <name>   where <name> is one of ${APP_NAMES.join(', ')}.\nThe app reads its settings from the environment (KEEL_*) as under \`nx serve\`.`,
  options: {},
  run: async (args) => {
    const [name, ...rest] = args;
    const load = name === undefined ? undefined : APPS[name];
    if (load === undefined)
      throw new UsageError(
        `app: <name> must be one of ${APP_NAMES.join(', ')} (got ${name === undefined ? 'nothing' : JSON.stringify(name)})`,
      );
    if (rest.length > 0)
      throw new UsageError(`app ${name}: takes no further arguments (got ${JSON.stringify(rest)})`);
    await load();
    // The app runs on; it sets process.exitCode when it stops. Report nothing of our own.
    return -1;
  },
};
