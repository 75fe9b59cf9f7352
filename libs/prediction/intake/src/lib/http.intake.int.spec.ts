import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { IntakeRequest } from '@keel/prediction-domain';
import { HttpIntake, openApiDocument, renderOpenApi, startHttpIntake } from './http.intake';
// The workspace's package.json version is the API document's version (data, not another project's code).
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { version } from '../../../../../package.json';

describe('the predictions API over HTTP (Fastify)', () => {
  let http: HttpIntake;
  const seen: IntakeRequest[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    const started = await startHttpIntake({
      host: '127.0.0.1',
      port: 0,
      version: 'spec',
      bodyLimit: 1000,
      onRefused: (code) => refused.push(code),
      submit: async (r) => {
        seen.push(r);
        return {
          status: 201,
          headers: { 'content-type': 'application/json', 'x-from-intake': 'yes' },
          body: '{"ok":true}',
        };
      },
    });
    if (E.isLeft(started)) throw new Error(JSON.stringify(started.left));
    http = started.right;
  });
  afterAll(() => http?.close());

  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${http.url}/v1/predictions`, { method: 'POST', headers, body });

  it('hands the intake the exact bytes (the signature covers them) and the headers by lower-case name', async () => {
    const body = '{ "b": 1,\n  "a": "\\u00e9" }';
    const r = await post(body, {
      'content-type': 'application/json; charset=utf-8',
      'Keel-Key': 'k1',
      'Keel-Signature': 's',
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('x-from-intake')).toBe('yes');
    expect(await r.text()).toBe('{"ok":true}');
    const got = seen[seen.length - 1]!;
    expect(Buffer.from(got.body).toString('utf8')).toBe(body);
    expect([got.header('keel-key'), got.header('keel-signature'), got.transport]).toEqual([
      'k1',
      's',
      'http',
    ]);
  });

  it('answers what it refuses itself in the intake’s error shape, and counts it', async () => {
    const shape = async (r: Response, status: number, code: string) => {
      expect(r.status).toBe(status);
      expect(await r.json()).toEqual({ error: { status, code, message: expect.any(String), details: [] } });
    };
    await shape(await post('x'.repeat(1001)), 413, 'payload_too_large');
    await shape(await post('{}', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    await shape(await fetch(`${http.url}/v2/predictions`, { method: 'POST' }), 404, 'not_found');
    const get = await fetch(`${http.url}/v1/predictions`);
    expect(get.headers.get('allow')).toBe('POST');
    await shape(get, 405, 'method_not_allowed');
    expect(refused).toEqual([
      'payload_too_large',
      'unsupported_media_type',
      'not_found',
      'method_not_allowed',
    ]);
  });

  it('serves its OpenAPI document, and docs/openapi.json is that document (npm run --silent keel -- contract openapi)', async () => {
    const served = (await (await fetch(`${http.url}/openapi.json`)).json()) as Record<string, unknown>;
    expect(served).toEqual(await openApiDocument('spec'));
    const checkedIn = fs.readFileSync(path.resolve(__dirname, '../../../../../docs/openapi.json'), 'utf8');
    expect(checkedIn).toBe(await renderOpenApi(version));
    const doc = JSON.parse(checkedIn) as {
      paths: Record<string, { post: { responses: Record<string, unknown> } }>;
    };
    expect(Object.keys(doc.paths['/v1/predictions']!.post.responses).sort()).toEqual(
      ['201', '400', '401', '403', '404', '405', '409', '413', '415', '422', '429', '503'].sort(),
    );
  });
});
