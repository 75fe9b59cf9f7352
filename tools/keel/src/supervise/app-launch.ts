/**
 * How the CLI runs an app as a process: the app's own `main.ts` under Node with tsx, from the
 * repository root (tsx finds the workspace's tsconfig paths there). One place, so `keel start`,
 * `keel demo` and their specs launch apps the same way.
 */
import * as path from 'node:path';
import { keelLaunch } from '../app-launch';

/** The repository root: where apps are launched from. */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** How to launch app `name`: `keel app <name>`, from the bundle when this process runs it (fast start), else under tsx. */
export const appLaunch = (app: string): { readonly command: string; readonly args: readonly string[] } => {
  if (!/^[a-z][a-z0-9-]*$/.test(app))
    throw new Error(`app must be an app directory name like "gateway" (got ${JSON.stringify(app)})`);
  return keelLaunch(['app', app]);
};
