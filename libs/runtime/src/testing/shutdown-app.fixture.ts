/**
 * A stand-in app for the shutdown test: registers stop steps in start order, waits for a
 * signal, and exits 0 once the steps have run. With `hang`, its last-registered step never
 * finishes, so the test can send a second signal and see the forced exit.
 */
import { createLogger } from '../lib/logging/pino.logger';
import { onShutdown } from '../lib/lifecycle/shutdown.lifecycle';

const hang = process.argv.includes('hang');
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const logger = createLogger({ name: 'fixture', level: 'info', destination: 'stderr' });

const step = (name: string) => async (): Promise<void> => {
  say(`stopping ${name}`);
  await new Promise((r) => setTimeout(r, 20));
  say(`stopped ${name}`);
};

const main = async (): Promise<number> => {
  const lifecycle = onShutdown(
    ['SIGTERM', 'SIGINT'],
    [
      { name: 'store', stop: step('store') },
      { name: 'bus', stop: step('bus') },
    ],
    { logger, stepTimeoutMs: 5000 },
  );
  lifecycle.onStop(
    'http',
    hang ? () => (say('stopping http (forever)'), new Promise<void>(() => undefined)) : step('http'),
  );
  // Keep the event loop busy the way a real app's connections would.
  const keepAlive = setInterval(() => undefined, 1000);
  say('ready');
  const report = await lifecycle.done;
  clearInterval(keepAlive);
  say(`done ${report.reason} clean=${report.clean}`);
  return 0;
};

void main().then((code) => process.exit(code));
