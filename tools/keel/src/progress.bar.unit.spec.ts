/** The plain (not a terminal) form of the progress bars: what CI logs and specs see. */
import { phasedProgress, progressBar } from './progress.bar';

const plainStream = (): NodeJS.WriteStream & { lines: string[] } => {
  const lines: string[] = [];
  return {
    isTTY: false,
    lines,
    write: (s: string) => {
      lines.push(s);
      return true;
    },
  } as unknown as NodeJS.WriteStream & { lines: string[] };
};

describe('progressBar when stderr is not a terminal', () => {
  it('writes one line at the end of a short task, with the count, rate and time', () => {
    const stream = plainStream();
    const bar = progressBar('bench replay: generating', { stream });
    for (let k = 10_000; k <= 200_000; k += 10_000) bar.update(k, 200_000);
    bar.done();
    expect(stream.lines).toHaveLength(1);
    expect(stream.lines[0]).toMatch(
      /^bench replay: generating: 100% 200,000\/200,000 events, [\d,]+\/s, done in \d+s\n$/,
    );
  });

  it('writes a line with an ETA once 5 s have passed', () => {
    const stream = plainStream();
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      const bar = progressBar('replay pnl', { stream, unit: 'positions' });
      now.mockReturnValue(1_006_000);
      bar.update(25, 100);
      now.mockReturnValue(1_007_000);
      bar.update(30, 100); // within 5 s of the last line: nothing
      expect(stream.lines).toEqual(['replay pnl:  25% 25/100 positions, 4/s, ETA 18s\n']);
    } finally {
      now.mockRestore();
    }
  });

  it('never writes to stdout', () => {
    const write = jest.spyOn(process.stdout, 'write');
    try {
      const stream = plainStream();
      const bars = phasedProgress('bench store', { stream });
      bars.update('append', 100, 100);
      bars.update('read all (pass 1 of 3)', 100, 100);
      bars.done();
      expect(write).not.toHaveBeenCalled();
      expect(stream.lines.map((l) => l.split(':').slice(0, 2).join(':'))).toEqual([
        'bench store: append',
        'bench store: read all (pass 1 of 3)',
      ]);
    } finally {
      write.mockRestore();
    }
  });
});
