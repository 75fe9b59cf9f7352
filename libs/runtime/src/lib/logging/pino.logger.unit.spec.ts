import { Writable } from 'node:stream';
import { createLogger, withCorrelation } from './pino.logger';

const capture = () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== ''))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
};

describe('logger', () => {
  it('writes JSON lines with the app name, a level label and an ISO time', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ name: 'optimizer', level: 'info', destination: stream });
    logger.info({ accounts: 2 }, 'started');
    logger.debug('not at info');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', name: 'optimizer', accounts: 2, msg: 'started' });
    expect(String(lines[0]?.['time'])).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('carries correlation and causation ids on a child logger', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ name: 'execution', level: 'debug', destination: stream });
    withCorrelation(logger, 'corr-1', 'evt-9').debug('slice sent');
    withCorrelation(logger, 'corr-2').info('no cause');
    expect(lines[0]).toMatchObject({ correlationId: 'corr-1', causationId: 'evt-9', msg: 'slice sent' });
    expect(lines[1]).toMatchObject({ correlationId: 'corr-2', msg: 'no cause' });
    expect(lines[1]).not.toHaveProperty('causationId');
  });
});
