/**
 * Throw-away directories for tests (server stores, embedded databases). Each test owns its
 * directory and removes it when done, so parallel Jest workers never share state.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  readonly path: string;
  /** Remove the directory and everything in it; safe to call twice. */
  cleanup(): Promise<void>;
}

/** A fresh directory under the OS temp dir, named `<prefix>-XXXXXX`. */
export const tempDir = async (prefix: string): Promise<TempDir> => {
  const path = await mkdtemp(join(tmpdir(), `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  return {
    path,
    cleanup: () => rm(path, { recursive: true, force: true, maxRetries: 3 }),
  };
};
