/**
 * infra/docker-compose.yml, the production-shaped deployment, as the reliability issue asks it
 * to be: nothing reachable beyond this machine, every image pinned, NATS and KurrentDB
 * requiring users, secrets from infra/.env only. No Docker engine runs here, so the file is
 * checked as written (docs/eventstoredb.md says so).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

interface Service {
  readonly image?: string;
  readonly build?: unknown;
  readonly ports?: readonly string[];
  readonly environment?: Readonly<Record<string, unknown>>;
}

const compose = parse(
  fs.readFileSync(path.resolve(__dirname, '../../../infra/docker-compose.yml'), 'utf8'),
  { merge: true }, // the apps' `<<: *app-env`
) as { services: Record<string, Service> };
const services = Object.entries(compose.services);

describe('infra/docker-compose.yml', () => {
  it('publishes every port on 127.0.0.1 only', () => {
    const published = services.flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p] as const));
    expect(published.length).toBeGreaterThan(0);
    expect(published.filter(([, p]) => !p.startsWith('127.0.0.1:'))).toEqual([]);
  });

  it('pins every image to a version', () => {
    const images = services.flatMap(([name, s]) => (s.image ? [[name, s.image] as const] : []));
    expect(images.filter(([, i]) => !/:[0-9][\w.-]*$/.test(i))).toEqual([]);
  });

  it('runs KurrentDB secure, its passwords and every app’s store password from infra/.env', () => {
    const db = compose.services['kurrentdb']!.environment ?? {};
    expect(db['KURRENTDB_INSECURE']).toBeUndefined();
    expect(db['KURRENTDB_CERTIFICATE_FILE']).toBeDefined();
    expect(String(db['KURRENTDB_DEFAULT_ADMIN_PASSWORD'])).toMatch(/^\$\{KURRENTDB_ADMIN_PASSWORD:\?/);
    const apps = services.filter(([, s]) => s.build !== undefined);
    expect(apps.length).toBeGreaterThanOrEqual(7);
    for (const [name, s] of apps) {
      const env = s.environment ?? {};
      expect([name, String(env['KEEL_STORE_URI'])]).toEqual([name, expect.stringContaining('tls=true')]);
      expect([name, String(env['KEEL_STORE_PASSWORD'])]).toEqual([
        name,
        expect.stringMatching(/^\$\{KURRENTDB_ADMIN_PASSWORD:\?/),
      ]);
      expect([name, String(env['KEEL_NATS_PASSWORD'])]).toEqual([
        name,
        expect.stringMatching(/^\$\{NATS_PASSWORD_/),
      ]);
    }
  });
});
