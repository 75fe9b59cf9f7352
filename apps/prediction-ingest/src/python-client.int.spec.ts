/**
 * The Python client's own tests (clients/python/test_keel_client.py, standard-library
 * unittest), run as part of `npm test` so the client a model copies cannot rot unseen. The
 * client against the real intake is ingest.e2e.int.spec.ts.
 */
import { spawnSync } from 'node:child_process';
import { workspaceRoot } from '@keel/app-testing';

describe('clients/python (unittest)', () => {
  it('passes its own test suite', () => {
    const r = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'clients/python'], {
      cwd: workspaceRoot,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 120_000,
    });
    const summary = /Ran (\d+) tests?/.exec(r.stderr);
    expect({ status: r.status, error: r.error?.message, tail: r.stderr.slice(-2000) }).toMatchObject({
      status: 0,
    });
    expect(Number(summary?.[1])).toBeGreaterThan(10);
    expect(r.stderr).toMatch(/\nOK\b/);
  });
});
