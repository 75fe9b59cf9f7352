import * as E from 'fp-ts/Either';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openEventStore, parseEventStoreUri } from './open-event-store';
import { left, right } from '../testing/event-store.fixtures';

describe('parseEventStoreUri', () => {
  it.each([
    ['memory:', { kind: 'memory' }],
    ['sqlite:data/keel.db', { kind: 'sqlite', path: 'data/keel.db' }],
    ['sqlite:/var/keel.db', { kind: 'sqlite', path: '/var/keel.db' }],
    ['sqlite:///var/keel.db', { kind: 'sqlite', path: '/var/keel.db' }],
    ['./data/keel.db', { kind: 'sqlite', path: './data/keel.db' }],
    ['/tmp/keel.db', { kind: 'sqlite', path: '/tmp/keel.db' }],
    [
      'esdb://localhost:2113?tls=false',
      { kind: 'kurrentdb', connectionString: 'esdb://localhost:2113?tls=false' },
    ],
    ['esdb+discover://a:2113', { kind: 'kurrentdb', connectionString: 'esdb+discover://a:2113' }],
    [
      'kurrentdb://admin:changeit@a:2113',
      { kind: 'kurrentdb', connectionString: 'kurrentdb://admin:changeit@a:2113' },
    ],
    ['kurrentdb+discover://a:2113', { kind: 'kurrentdb', connectionString: 'kurrentdb+discover://a:2113' }],
  ])('%s', (uri, expected) => {
    expect(parseEventStoreUri(uri)).toEqual(E.right(expected));
  });

  it('rejects an unknown scheme, naming the uri', () => {
    const r = parseEventStoreUri('postgres://db/keel');
    expect(r).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'ValidationError', path: '/uri', value: 'postgres://db/keel' },
    });
    expect(E.isLeft(r) && r.left.message).toMatch(/unknown event store scheme "postgres:"/);
    expect(parseEventStoreUri('')).toMatchObject({ _tag: 'Left', left: { _tag: 'ValidationError' } });
    expect(parseEventStoreUri('sqlite:')).toMatchObject({ _tag: 'Left', left: { _tag: 'ValidationError' } });
  });
});

describe('openEventStore', () => {
  it('opens a memory store and a sqlite file (creating its directory)', async () => {
    const mem = await right(openEventStore('memory:'));
    await right(mem.ping());
    await mem.close();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-open-'));
    try {
      const file = path.join(dir, 'nested', 'keel.db');
      const db = await right(openEventStore(`sqlite:${file}`, { now: () => 0 }));
      await right(db.ping());
      await db.close();
      expect(fs.existsSync(file)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens a KurrentDB store lazily (no connection until the first call)', async () => {
    const store = await right(openEventStore('kurrentdb://127.0.0.1:1?tls=false'));
    await store.close();
  });

  it('fails on an unknown scheme with a ValidationError', async () => {
    expect(await left(openEventStore('redis://x'))).toMatchObject({
      _tag: 'ValidationError',
      value: 'redis://x',
    });
  });
});
