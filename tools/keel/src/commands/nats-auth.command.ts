/**
 * `keel nats-auth [--check]`: write infra/nats/auth.conf, the NATS users of a deployment and
 * what each may do (`permissionsOf` in @keel/bus), from the same table `keel start` and
 * `keel demo` use for their own servers. Passwords are not in the file: the server reads each
 * from `NATS_PASSWORD_<USER>` when it starts. `--check` writes nothing and fails (exit 1)
 * when the file on disk is not what the table gives today.
 */
import { natsAuthorization } from '@keel/bus';
import { deploymentNatsUsers } from '../supervise/nats-users';
import { generatedFileCommand } from './generated-file.command';

export const NATS_AUTH_PATH = 'infra/nats/auth.conf';

const HEADER = `# Written by \`keel nats-auth\` from tools/keel/src/supervise/nats-users.ts: do not edit.
# One user per app, each allowed only what it needs; the relay alone may publish events.
# Each password comes from the server's environment: NATS_PASSWORD_<USER>.
`;

/** The file as the table gives it today. */
export const renderNatsAuth = (): string => `${HEADER}${natsAuthorization(deploymentNatsUsers())}`;

export const natsAuthCommand = generatedFileCommand({
  path: NATS_AUTH_PATH,
  render: renderNatsAuth,
  command: 'npm run --silent keel -- nats-auth',
});
