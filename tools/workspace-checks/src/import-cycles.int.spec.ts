/**
 * No import circle anywhere in the tree, type-only imports included (a circle between two
 * modules of one project is invisible to the module-boundary rule, which sees projects).
 * madge follows the workspace's path aliases from tsconfig.base.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** madge ships no types: the two calls used here. */
interface MadgeResult {
  obj(): Record<string, string[]>;
  circular(): string[][];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped CommonJS module
const madge = require('madge') as (paths: string[], config: object) => Promise<MadgeResult>;

const root = path.resolve(__dirname, '../../..');

it('finds no circular import in apps, libs and tools', async () => {
  const graph = await madge(
    ['apps', 'libs', 'tools'].map((d) => path.join(root, d)),
    {
      fileExtensions: ['ts'],
      tsConfig: path.join(root, 'tsconfig.base.json'),
      // The boundaries spec writes and deletes lint-probe files meanwhile (another jest worker).
      excludeRegExp: [/lint-probe-/],
      detectiveOptions: { ts: { skipTypeImports: false } },
    },
  );
  expect(Object.keys(graph.obj()).length).toBeGreaterThan(300);
  expect(graph.circular()).toEqual([]);
}, 60_000);

it('finds a circle when there is one, a type-only import included (the check bites)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-cycle-probe-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b';\nexport interface A { b: B }\n");
    fs.writeFileSync(
      path.join(dir, 'b.ts'),
      "import { a } from './a';\nexport type B = string;\nexport const x = a;\n",
    );
    fs.appendFileSync(path.join(dir, 'a.ts'), 'export const a = 1;\n');
    const graph = await madge([dir], {
      fileExtensions: ['ts'],
      detectiveOptions: { ts: { skipTypeImports: false } },
    });
    expect(graph.circular()).toEqual([['a.ts', 'b.ts']]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
