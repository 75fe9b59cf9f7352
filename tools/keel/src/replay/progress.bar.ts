/**
 * A progress bar on stderr for long replays: redrawn in place on a terminal at most every
 * 200 ms, one line per 10% otherwise (logs stay readable). Never touches stdout.
 */
export interface ProgressBar {
  update(done: number, total: number, events?: number): void;
  done(): void;
}

export const progressBar = (label: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar => {
  const tty = stream.isTTY === true;
  const started = Date.now();
  let last = 0;
  let lastTenth = -1;
  let drawn = false;
  const line = (done: number, total: number, events?: number): string => {
    const f = total > 0 ? Math.min(1, done / total) : 1;
    const width = 30;
    const secs = Math.max(1e-3, (Date.now() - started) / 1000);
    const rate = events !== undefined ? `, ${Math.round(events / secs).toLocaleString('en-US')} ev/s` : '';
    return `${label} [${'#'.repeat(Math.round(f * width)).padEnd(width, '.')}] ${(f * 100).toFixed(0).padStart(3)}% position ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}${rate}`;
  };
  return {
    update: (done, total, events) => {
      const now = Date.now();
      if (tty) {
        if (now - last < 200) return;
        last = now;
        stream.write(`\r${line(done, total, events)}`);
        drawn = true;
        return;
      }
      const tenth = total > 0 ? Math.floor((done / total) * 10) : 10;
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${line(done, total, events)}\n`);
      }
    },
    done: () => {
      if (tty && drawn) stream.write('\n');
    },
  };
};
