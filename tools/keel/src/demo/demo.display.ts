/**
 * What a running paper session shows on stderr: one line per app state change, and a block
 * with each working parent order's progress, positions against targets and each account's
 * equity. On a terminal the block is redrawn in place once a second; otherwise (a log file, CI)
 * it is printed as plain lines every 10 seconds, so a log stays readable. Never on stdout,
 * which carries only the summary.
 */
import Decimal from 'decimal.js';
import type { Io } from '../cli.io';
import type { DemoCollector } from './demo.collect';
import { AppState, stateLine } from '../supervise/supervisor';

export interface DemoDisplay {
  appState(app: string, state: AppState, detail?: string): void;
  note(line: string): void;
  refresh(c: DemoCollector, now: number): void;
  stop(): void;
}

const fmt = (d: Decimal, places = 4): string => d.toDecimalPlaces(places).toString();

export const blockOf = (c: DemoCollector, now: number): string[] => {
  const lines: string[] = [];
  lines.push(
    `── ${new Date(now).toISOString().slice(0, 19)}Z  predictions ${c.predictions} · targets ${c.targets} · parents ${c.parents.size} (working ${c.working.size}) · children ${c.childOrders} · fills ${c.fills} · maker ${c.makerShare() === null ? '–' : `${((c.makerShare() ?? 0) * 100).toFixed(0)}%`}`,
  );
  for (const id of c.working) {
    const p = c.parents.get(id);
    if (!p) continue;
    const pct = p.qty.isZero() ? 100 : p.filled.div(p.qty).times(100).toNumber();
    lines.push(
      `   ${p.account.padEnd(14)} ${p.instrument.padEnd(14)} ${p.side.padEnd(4)} ${fmt(p.filled)}/${fmt(p.qty)} (${pct.toFixed(0)}%) ${p.children} children ${p.state}`,
    );
  }
  for (const [account, instrument] of c.keys()) {
    const t = c.targetOf(account, instrument);
    lines.push(
      `   ${account.padEnd(14)} ${instrument.padEnd(14)} position ${fmt(c.positionOf(account, instrument)).padStart(10)}  target ${t ? fmt(t.qty) : '–'}`,
    );
  }
  for (const [account, e] of c.equity)
    lines.push(
      `   ${account.padEnd(14)} equity ${e.last === null ? '–' : e.last.toFixed(2)} ${e.currency}  risk ${c.risk.get(account) ?? 'NORMAL'}`,
    );
  return lines;
};

export const createDisplay = (io: Io, o: { readonly json: boolean }): DemoDisplay => {
  const tty = process.stderr.isTTY === true;
  let drawn = 0;
  let lastPlain = 0;
  const clear = (): void => {
    if (tty && drawn > 0) process.stderr.write(`\x1b[${drawn}A\x1b[0J`);
    drawn = 0;
  };
  const say = (line: string): void => {
    clear();
    io.progress(line);
  };
  return {
    appState: (app, state, detail) => say(stateLine(app, state, detail)),
    note: (line) => say(line),
    refresh: (c, now) => {
      void o;
      const block = blockOf(c, now);
      if (tty) {
        clear();
        process.stderr.write(`${block.join('\n')}\n`);
        drawn = block.length;
      } else if (Date.now() - lastPlain >= 10_000) {
        lastPlain = Date.now();
        io.progress(block.join('\n'));
      }
    },
    stop: () => clear(),
  };
};
