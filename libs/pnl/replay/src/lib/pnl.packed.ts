/**
 * A compact text form of the fold's inputs, for handing pages from the scan worker to the
 * fold: one record per line, fields separated by tabs. Safe because no field can hold
 * whitespace (ids, decimals and timestamps are validated before they get here); an
 * undecodable event's message and a listing's instruments are JSON-encoded.
 *
 *   q pos ts venue instrument bid ask | f pos ts account instrument side qty price fee feeAsset
 *   u pos ts account instrument amount asset | l pos ts venue [accounts] [instruments]
 *   x pos type "message"
 */
import { ListedInstrument, PnlInput } from '@keel/pnl-domain';
import { UndecodableReport } from './pnl.extract';

export const packInput = (i: PnlInput): string => {
  switch (i.type) {
    case 'quote':
      return `q\t${i.position}\t${i.ts}\t${i.venue}\t${i.instrument}\t${i.bid}\t${i.ask}`;
    case 'fill':
      return `f\t${i.position}\t${i.ts}\t${i.accountId}\t${i.instrument}\t${i.side}\t${i.qty}\t${i.price}\t${i.fee}\t${i.feeAsset}`;
    case 'funding':
      return `u\t${i.position}\t${i.ts}\t${i.accountId}\t${i.instrument}\t${i.amount}\t${i.asset}`;
    case 'listing':
      return `l\t${i.position}\t${i.ts}\t${i.venue}\t${JSON.stringify(i.accountIds)}\t${JSON.stringify(i.instruments)}`;
    default: {
      const unreachable: never = i;
      return unreachable;
    }
  }
};

export const packUndecodable = (r: UndecodableReport): string =>
  `x\t${r.position}\t${r.type}\t${JSON.stringify(r.message)}`;

/** Unpack a page; undecodable records go to `reject`. */
export const unpackPage = (text: string, reject: (r: UndecodableReport) => void): PnlInput[] => {
  const out: PnlInput[] = [];
  if (text === '') return out;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const f = lines[i]!.split('\t');
    const tag: string = f[0] ?? '';
    switch (tag) {
      case 'q':
        out.push({
          type: 'quote',
          position: +f[1]!,
          ts: f[2]!,
          venue: f[3]!,
          instrument: f[4]!,
          bid: f[5]!,
          ask: f[6]!,
        });
        break;
      case 'f':
        out.push({
          type: 'fill',
          position: +f[1]!,
          ts: f[2]!,
          accountId: f[3]!,
          instrument: f[4]!,
          side: f[5] as 'buy' | 'sell',
          qty: f[6]!,
          price: f[7]!,
          fee: f[8]!,
          feeAsset: f[9]!,
        });
        break;
      case 'u':
        out.push({
          type: 'funding',
          position: +f[1]!,
          ts: f[2]!,
          accountId: f[3]!,
          instrument: f[4]!,
          amount: f[5]!,
          asset: f[6]!,
        });
        break;
      case 'l':
        out.push({
          type: 'listing',
          position: +f[1]!,
          ts: f[2]!,
          venue: f[3]!,
          accountIds: JSON.parse(f[4]!) as string[],
          instruments: JSON.parse(f[5]!) as ListedInstrument[],
        });
        break;
      default:
        reject({ position: +f[1]!, type: f[2]!, message: JSON.parse(f[3]!) as string });
    }
  }
  return out;
};
