/**
 * `keel bench execution-start` on the real runtime and the embedded SQLite store: a start with
 * aggregate snapshots reads only the aggregate's events after its latest snapshot, however long
 * its history; one without reads all of them. (The times are the benchmark's; this checks what
 * they are times of.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchExecutionStart } from './bench-execution-start.command';

describe('bench execution-start', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-bench-execution-start-spec-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the whole aggregate without snapshots and at most a snapshot interval with them', async () => {
    const every = 100;
    const r = await benchExecutionStart({ dir, early: 1, parents: 4, rounds: 1, snapshotEvery: every });
    expect(r.aggregateEvents.late).toBeGreaterThan(r.aggregateEvents.early);
    expect(r.aggregateEvents.early).toBeGreaterThan(every);
    expect(r.withoutSnapshots.early.aggregateEventsRead).toBe(r.aggregateEvents.early);
    expect(r.withoutSnapshots.late.aggregateEventsRead).toBe(r.aggregateEvents.late);
    expect(r.withSnapshots.early.aggregateEventsRead).toBeLessThan(every);
    expect(r.withSnapshots.late.aggregateEventsRead).toBeLessThan(every);
    expect(r.withSnapshots.late.cpuMs).toBeGreaterThan(0);
  });
});
