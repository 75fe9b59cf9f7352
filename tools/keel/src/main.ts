/**
 * `keel`: the operator's command line. `keel <command> [options] [--json]` (the package's bin,
 * or `npm run --silent keel -- …`); `keel --help`, `keel <group> --help` (e.g. `keel bench`) and
 * `keel <command> --help` print usage and exit 0. main.ts only dispatches, loads the one command
 * module it needs (commands/index.ts) and maps the outcome to an exit code: a usage error
 * (unknown command or flag, bad value) is exit 2 with a message naming it.
 */
import { HelpRequested, makeIo, UsageError, wantsHelp } from './cli.io';
import { commandHelp, tableHelp } from './cli.help';
import { type Command, type CommandEntry, isLazy } from './commands/command';
import { COMMANDS } from './commands';

const out = (text: string): boolean => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const err = (text: string): boolean => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);

/** The command `argv` names (two words before one: "bench store" before "start"), and its arguments. */
const resolve = (
  argv: readonly string[],
): { readonly name: string; readonly entry: CommandEntry; readonly args: readonly string[] } | undefined => {
  const [first = '', second, ...rest] = argv;
  const two = second === undefined ? '' : `${first} ${second}`;
  const e2 = COMMANDS[two];
  if (e2 !== undefined) return { name: two, entry: e2, args: rest };
  const e1 = COMMANDS[first];
  return e1 === undefined ? undefined : { name: first, entry: e1, args: argv.slice(1) };
};

const isGroup = (word: string): boolean => Object.keys(COMMANDS).some((n) => n.startsWith(`${word} `));

const main = async (argv: readonly string[]): Promise<number> => {
  const [first, second] = argv;
  if (first === undefined || first === '--json') {
    err(tableHelp(COMMANDS));
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    out(tableHelp(COMMANDS));
    return 0;
  }
  const found = resolve(argv);
  // `keel bench`, `keel bench --help`: the group's commands; `keel bench nope`: unknown.
  const groupAsked = isGroup(first) && (second === undefined || second.startsWith('-'));
  if (groupAsked && (found === undefined || found.name === first)) {
    if (wantsHelp(argv)) {
      out(tableHelp(COMMANDS, first));
      return 0;
    }
    err(
      `keel ${first}: which one?${second === undefined ? '' : ` (got ${JSON.stringify(second)})`}\n\n${tableHelp(COMMANDS, first)}`,
    );
    return 2;
  }
  if (found === undefined) {
    const named = isGroup(first) && second !== undefined ? `${first} ${second}` : first;
    err(
      `keel: unknown command ${JSON.stringify(named)}\n\n${tableHelp(COMMANDS, isGroup(first) ? first : undefined)}`,
    );
    return 2;
  }
  const { name, entry, args } = found;
  const command: Command = isLazy(entry) ? await entry.load() : entry;
  const help = (options: NonNullable<Command['options']>): number => {
    out(commandHelp(name, entry.summary ?? command.summary, command.description, options));
    return 0;
  };
  if (wantsHelp(args) && command.options !== undefined) return help(command.options);
  try {
    return await command.run(args, makeIo(args.includes('--json')));
  } catch (e) {
    // A command that passes its flags to parseFlags itself gets its help from there.
    if (e instanceof HelpRequested) return help(e.options);
    if (e instanceof UsageError) {
      err(`keel: ${e.message}\n(keel ${name} --help lists its options)`);
      return 2;
    }
    err(`keel ${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
};

main(process.argv.slice(2)).then(
  // A negative code: the command owns the exit code (`keel app` runs on and sets it itself).
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    err(`keel: ${String(e)}`);
    process.exitCode = 1;
  },
);
