/**
 * How to start this same `keel` again as a child process: from its bundle
 * (dist/keel/keel.cjs, fast) when this process runs from it, from the TypeScript sources
 * under tsx otherwise (specs, development without a bundle). Process supervisors use it to
 * start apps (`keelLaunch(['app', 'relay'])`) and commands that time a child (bench replay).
 */
import * as path from 'node:path';
import { workspaceRoot } from './workspace-root';

export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
}

/** The directory of the running bundle, set by its banner (scripts/keel.cjs); undefined under tsx. */
export const bundleDir = (): string | undefined =>
  (globalThis as { __keelBundleDir?: string }).__keelBundleDir;

/** The command and arguments that run `keel <args…>` the way this process runs. */
export const keelLaunch = (args: readonly string[]): Launch => {
  const dir = bundleDir();
  return dir !== undefined
    ? { command: process.execPath, args: [path.join(dir, 'keel.cjs'), ...args] }
    : {
        command: process.execPath,
        args: ['--import', 'tsx', path.join(workspaceRoot(), 'tools/keel/src/main.ts'), ...args],
      };
};
