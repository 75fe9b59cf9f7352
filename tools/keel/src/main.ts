/**
 * `keel`: the operator's command line. `npm run --silent keel -- <command> [--json]`.
 * main.ts only dispatches and maps the outcome to an exit code.
 */
import { makeIo, UsageError } from './cli.io';
import { COMMANDS } from './commands';

const usage = (): string =>
  ['usage: npm run --silent keel -- <command> [options] [--json]', '', 'commands:']
    .concat(Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`))
    .join('\n');

const main = async (argv: readonly string[]): Promise<number> => {
  const json = argv.includes('--json');
  const io = makeIo(json);
  const [first, second, ...rest] = argv;
  if (!first || first === '--help' || first === '-h' || first === '--json') {
    process.stderr.write(`${usage()}\n`);
    return first ? 0 : 2;
  }
  // Two-word commands ("bench store") before one-word ones ("start").
  const two = second ? `${first} ${second}` : '';
  const [command, args] = two && COMMANDS[two] ? [COMMANDS[two], rest] : [COMMANDS[first], argv.slice(1)];
  if (!command) {
    process.stderr.write(
      `keel: unknown command ${JSON.stringify(two && second && !second.startsWith('-') ? two : first)}\n\n${usage()}\n`,
    );
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`keel: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`keel: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
};

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`keel: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
