/**
 * A boundary rule only binds a project whose tags it names: a project with no `scope:` tag,
 * or with a tag no constraint mentions (a typo, a retired scope), would slip past the scope
 * rules unnoticed. So every project carries exactly one `type:` and one `scope:` tag, and
 * each is a `sourceTag` of the workspace's own `@nx/enforce-module-boundaries` constraints.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

interface DepConstraint {
  readonly sourceTag?: string;
}

const constrainedTags = (): ReadonlySet<string> => {
  // eslint.config.cjs is CommonJS; its module-boundaries options are the source of truth.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(path.join(root, 'eslint.config.cjs')) as { rules?: Record<string, unknown> }[];
  const tags = new Set<string>();
  for (const block of config) {
    const rule = block.rules?.['@nx/enforce-module-boundaries'];
    if (!Array.isArray(rule)) continue;
    const options = rule[1] as { depConstraints: readonly DepConstraint[] };
    for (const c of options.depConstraints) if (c.sourceTag) tags.add(c.sourceTag);
  }
  return tags;
};

const projectFiles = (dir: string): string[] =>
  fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name.startsWith('.')) return [];
    const rel = path.join(dir, entry.name);
    return fs.existsSync(path.join(root, rel, 'project.json'))
      ? [path.join(rel, 'project.json'), ...projectFiles(rel)]
      : projectFiles(rel);
  });

const projects = ['apps', 'libs', 'tools'].flatMap(projectFiles).map((file) => {
  const json = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as { tags?: string[] };
  return { file, tags: json.tags ?? [] };
});

const known = constrainedTags();

describe('project tags', () => {
  it('finds the projects and the constraints', () => {
    expect(projects.length).toBeGreaterThan(10);
    expect(known.has('scope:shared')).toBe(true);
  });

  it.each(projects)('$file has one type: and one scope: tag, both constrained by lint', ({ tags }) => {
    const types = tags.filter((t) => t.startsWith('type:'));
    const scopes = tags.filter((t) => t.startsWith('scope:'));
    expect({ types: types.length, scopes: scopes.length }).toEqual({ types: 1, scopes: 1 });
    expect([...types, ...scopes].filter((t) => !known.has(t))).toEqual([]);
  });
});
