/**
 * `keel nats-auth [--check]`: write infra/nats/auth.conf, the NATS users of a deployment and
 * what each may do (`permissionsOf` in @keel/bus), from the same table `keel start` and
 * `keel demo` use for their own servers. Passwords are not in the file: the server reads each
 * from `NATS_PASSWORD_<USER>` when it starts. `--check` writes nothing and fails (exit 1)
 * when the file on disk is not what the table gives today.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { natsAuthorization } from '@keel/bus';
import { parseFlags } from '../cli.io';
import { REPO_ROOT } from '../supervise/app-launch';
import { deploymentNatsUsers } from '../supervise/nats-users';
import type { Command, OptionSpecs } from './command';

export const NATS_AUTH_PATH = 'infra/nats/auth.conf';

const HEADER = `# Written by \`keel nats-auth\` from tools/keel/src/supervise/nats-users.ts: do not edit.
# One user per app, each allowed only what it needs; the relay alone may publish events.
# Each password comes from the server's environment: NATS_PASSWORD_<USER>.
`;

/** The file as the table gives it today. */
export const renderNatsAuth = (): string => `${HEADER}${natsAuthorization(deploymentNatsUsers())}`;

const OPTIONS = {
  check: { type: 'boolean', description: 'write nothing; fail (exit 1) if the file on disk is stale' },
} as const satisfies OptionSpecs;

export const natsAuthCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
    const file = path.join(REPO_ROOT, NATS_AUTH_PATH);
    const wanted = renderNatsAuth();
    const onDisk = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (flags.check) {
      const current = onDisk === wanted;
      io.result({ path: NATS_AUTH_PATH, current }, () =>
        current ? `${NATS_AUTH_PATH} is current` : `${NATS_AUTH_PATH} is stale: run keel nats-auth`,
      );
      return current ? 0 : 1;
    }
    if (onDisk !== wanted) fs.writeFileSync(file, wanted);
    io.result({ path: NATS_AUTH_PATH, changed: onDisk !== wanted }, () =>
      onDisk !== wanted ? `wrote ${NATS_AUTH_PATH}` : `${NATS_AUTH_PATH} was already current`,
    );
    return 0;
  },
};
