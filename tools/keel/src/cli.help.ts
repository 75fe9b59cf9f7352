/**
 * The CLI's help texts, laid out by commander (the argument-parsing library the CLI's help and
 * usage come from): `keel --help`, `keel <group> --help` (e.g. `keel bench`) and
 * `keel <command> --help`, which lists the command's options with descriptions and defaults.
 * Values are parsed by `parseFlags` (cli.io.ts) from the same option declarations.
 */
import { Command as Commander, Option } from 'commander';
import type { OptionSpecs } from './cli.options';

export interface HelpEntry {
  readonly summary?: string;
  readonly hidden?: boolean;
}

const JSON_HELP = 'print the result as one JSON document on stdout (progress and logs stay on stderr)';

/** `keel --help`, or the commands of one group (`keel bench --help`) when `group` is given. */
export const tableHelp = (table: Readonly<Record<string, HelpEntry>>, group?: string): string => {
  const program = new Commander(group === undefined ? 'keel' : `keel ${group}`)
    .usage(group === undefined ? '<command> [options] [--json]' : '<command> [options] [--json]')
    .helpOption('-h, --help', 'show this help; `keel <command> --help` shows a command’s options')
    .helpCommand(false);
  for (const [name, entry] of Object.entries(table)) {
    if (group !== undefined && !name.startsWith(`${group} `)) continue;
    const shown = group === undefined ? name : name.slice(group.length + 1);
    program.addCommand(new Commander(shown).description(entry.summary ?? ''), {
      hidden: entry.hidden === true,
    });
  }
  return program.helpInformation();
};

/** `keel <name> --help`: usage, summary, description and every option. */
export const commandHelp = (
  name: string,
  summary: string | undefined,
  description: string | undefined,
  options: OptionSpecs,
): string => {
  const c = new Commander(`keel ${name}`)
    .description([summary, description].filter((t) => t !== undefined && t !== '').join('\n\n'))
    .helpOption('-h, --help', 'show this help');
  for (const [flag, o] of Object.entries(options)) {
    if (flag === 'json') continue;
    // Repeatable flags read `<value...>`, as commander writes them.
    const value = o.type === 'string' ? ` <${o.valueName ?? 'value'}${o.multiple ? '...' : ''}>` : '';
    const short = o.short === undefined ? '' : `-${o.short}, `;
    const opt = new Option(`${short}--${flag}${value}`, o.description ?? '');
    if (o.defaultText !== undefined) opt.default(o.defaultText, o.defaultText);
    c.addOption(opt);
  }
  c.addOption(new Option('--json', JSON_HELP));
  return c.helpInformation();
};
