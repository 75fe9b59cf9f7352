/**
 * docs/asyncapi.yaml, checked by the official AsyncAPI parser (JSON Schema of the spec plus its
 * Spectral rules): it is valid AsyncAPI 3, it is byte for byte what the catalog generates today
 * (so CI fails when the catalog changes and the document does not), and it says what the
 * catalog says. Integration tier: it reads the checked-in file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Diagnostic, DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { Type } from '@sinclair/typebox';
import { Decimal, EVENT_DEFINITIONS, EventDefinition, eventSubject, Timestamp } from '@keel/events';
import { asyncApiDocument, EventDefinitionsLike } from './asyncapi';
import { ASYNCAPI_COMMAND, ASYNCAPI_PATH, asyncApiDrift, renderAsyncApi } from './asyncapi.render';

const checkedIn = fs.readFileSync(path.resolve(__dirname, '../../..', ASYNCAPI_PATH), 'utf8');
const parser = new Parser();

const errorsOf = (diagnostics: readonly Diagnostic[]): string[] =>
  diagnostics
    .filter((d) => d.severity === DiagnosticSeverity.Error)
    .map((d) => `${d.code} at ${d.path.join('/') || '(root)'}: ${d.message}`);

/** A schema as the catalog has it, without the ids the parser stamps on every schema it reads. */
const withoutParserKeys = (j: unknown): unknown =>
  Array.isArray(j)
    ? j.map(withoutParserKeys)
    : j !== null && typeof j === 'object'
      ? Object.fromEntries(
          Object.entries(j)
            .filter(([k]) => !k.startsWith('x-parser-'))
            .map(([k, v]) => [k, withoutParserKeys(v)]),
        )
      : j;

const catalogJson = (def: EventDefinition): unknown => JSON.parse(JSON.stringify(def.schema));

/** A catalog with none of Keel's names: the generator must work on whatever the catalog holds. */
const SYNTHETIC: EventDefinitionsLike = {
  WidgetTurned: {
    type: 'WidgetTurned',
    context: 'control',
    owner: 'widget-app',
    version: 2,
    description: 'A widget turned. Second sentence.',
    schema: Type.Object(
      { by: Decimal(), at: Timestamp(), note: Type.Optional(Type.String({ maxLength: 10 })) },
      { additionalProperties: false },
    ),
    upcasters: { 1: (d) => d },
    formerly: [{ type: 'WidgetRotated', throughVersion: 1 }],
  },
};

describe(`${ASYNCAPI_PATH}`, () => {
  it('is valid AsyncAPI 3.0.0: the official parser reports no error', async () => {
    const { document, diagnostics } = await parser.parse(checkedIn);
    const errors = errorsOf(diagnostics);
    if (errors.length > 0) console.error(`${ASYNCAPI_PATH}: ${errors.length} error(s)\n${errors.join('\n')}`);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
  });

  it(`is exactly what the catalog generates (else run \`${ASYNCAPI_COMMAND}\`)`, () => {
    const drift = asyncApiDrift(checkedIn, renderAsyncApi());
    // The message names the command: it is what a failing CI run prints.
    expect(drift ?? 'current').toBe('current');
  });

  it('has, for every catalog type, a channel on its subject whose data schema is the catalog schema', async () => {
    const { document } = await parser.parse(checkedIn);
    if (!document) throw new Error('the parser returned no document');
    for (const def of Object.values(EVENT_DEFINITIONS) as EventDefinition[]) {
      const channel = document.channels().get(def.type);
      expect({ type: def.type, address: channel?.address() }).toEqual({
        type: def.type,
        address: eventSubject(def.context, def.type),
      });
      const msg = channel?.messages().get(def.type);
      const payload = msg?.payload();
      expect(withoutParserKeys(payload?.properties()?.['data']?.json())).toEqual(catalogJson(def));
      expect(payload?.properties()?.['type']?.const()).toBe(def.type);
      expect(payload?.properties()?.['schemaVersion']?.const()).toBe(def.version);
      const ext = (name: string) => msg?.extensions().get(name)?.value();
      expect([ext('x-keel-owner'), ext('x-keel-context'), ext('x-keel-version')]).toEqual([
        def.owner,
        def.context,
        def.version,
      ]);
      const send = document.operations().get(`send${def.type}`);
      expect([send?.action(), send?.channels().all()[0]?.id()]).toEqual(['send', def.type]);
    }
    // Nothing more than the catalog, besides the dead-letter channel.
    expect(document.channels().length).toBe(Object.keys(EVENT_DEFINITIONS).length + 1);
  });
});

describe('the generator', () => {
  it('is deterministic: the same catalog in another key order gives the same bytes', () => {
    const reversed = Object.fromEntries(Object.entries(EVENT_DEFINITIONS).reverse()) as EventDefinitionsLike;
    expect(renderAsyncApi(reversed)).toBe(renderAsyncApi());
  });

  it('makes the currency check fail when the catalog changes and the document does not', () => {
    const [first] = Object.values(EVENT_DEFINITIONS) as EventDefinition[];
    if (!first) throw new Error('the catalog is empty');
    const bumped: EventDefinitionsLike = {
      ...(EVENT_DEFINITIONS as EventDefinitionsLike),
      [first.type]: { ...first, version: first.version + 1, upcasters: { ...first.upcasters } },
    };
    const drift = asyncApiDrift(checkedIn, renderAsyncApi(bumped));
    expect(drift).toContain(`run \`${ASYNCAPI_COMMAND}\``);
    expect(drift).toMatch(/differs from the event catalog \(first at line \d+\)/);
    expect(asyncApiDrift(undefined, renderAsyncApi())).toContain('does not exist');
  });

  it('works on any catalog: a renamed type lists its former name, and the result is valid', async () => {
    const doc = asyncApiDocument(SYNTHETIC) as { components: { messages: Record<string, unknown> } };
    expect(doc.components.messages['WidgetTurned']).toMatchObject({
      'x-keel-owner': 'widget-app',
      'x-keel-formerly': [{ type: 'WidgetRotated', throughVersion: 1 }],
      summary: 'A widget turned.',
    });
    const { document, diagnostics } = await parser.parse(renderAsyncApi(SYNTHETIC));
    expect(errorsOf(diagnostics)).toEqual([]);
    expect(document?.channels().get('WidgetTurned')?.address()).toBe('keel.evt.control.widget-turned');
    const data = document?.channels().get('WidgetTurned')?.messages().get('WidgetTurned')?.payload();
    expect(withoutParserKeys(data?.properties()?.['data']?.json())).toEqual(
      catalogJson(SYNTHETIC['WidgetTurned'] as EventDefinition),
    );
  });

  it('would be caught by the parser if it wrote an invalid document (the validity check bites)', async () => {
    const broken = JSON.parse(JSON.stringify(asyncApiDocument(SYNTHETIC))) as {
      operations: Record<string, { action: string }>;
    };
    for (const op of Object.values(broken.operations)) op.action = 'publish'; // AsyncAPI 2's word
    const { diagnostics } = await parser.parse(JSON.stringify(broken));
    expect(errorsOf(diagnostics).length).toBeGreaterThan(0);
  });
});
