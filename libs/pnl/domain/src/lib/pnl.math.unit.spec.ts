import { applyFill, applyFunding, emptyBook, figures, midOf } from './pnl.math';

const fill = (b = emptyBook('a1', 'BTC/USDT:USDT'), ...fs: ['buy' | 'sell', string, string, string][]) =>
  fs.reduce((book, [side, qty, price, fee]) => applyFill(book, side, qty, price, fee), b);

describe('average-cost book', () => {
  describe('flat', () => {
    it('opens at the fill price, pays the fee, realizes nothing', () => {
      const b = fill(undefined, ['buy', '0.5', '100', '0.01']);
      expect(b).toMatchObject({ position: '0.5', avgCost: '100', realized: '0', fees: '0.01' });
    });
    it('opens a short with a negative position', () => {
      expect(fill(undefined, ['sell', '2', '50.5', '0'])).toMatchObject({ position: '-2', avgCost: '50.5' });
    });
  });

  describe('long', () => {
    const long = fill(undefined, ['buy', '1', '100', '0.1'], ['buy', '3', '104', '0.3']);
    it('adding moves the cost to the quantity-weighted mean', () => {
      expect(long).toMatchObject({ position: '4', avgCost: '103', fees: '0.4' });
    });
    it('reducing realizes (price − cost) × qty and keeps the cost', () => {
      expect(fill(long, ['sell', '1.5', '110', '0'])).toMatchObject({
        position: '2.5',
        avgCost: '103',
        realized: '10.5',
      });
    });
    it('closing goes flat with cost 0', () => {
      expect(fill(long, ['sell', '4', '100', '0'])).toMatchObject({
        position: '0',
        avgCost: '0',
        realized: '-12',
      });
    });
    it('a fill past flat flips: closes the long, opens the rest at the fill price', () => {
      expect(fill(long, ['sell', '5', '90', '0'])).toMatchObject({
        position: '-1',
        avgCost: '90',
        realized: '-52',
      });
    });
    it('rounds an inexact average cost half-even to 12 places', () => {
      const b = fill(undefined, ['buy', '1', '1', '0'], ['buy', '2', '2', '0']);
      expect(b.avgCost).toBe('1.666666666667');
    });
  });

  describe('short', () => {
    const short = fill(undefined, ['sell', '2', '100', '0']);
    it('buying back below cost realizes a gain', () => {
      expect(fill(short, ['buy', '1', '90', '0'])).toMatchObject({
        position: '-1',
        avgCost: '100',
        realized: '10',
      });
    });
    it('unrealized is position × (mark − cost)', () => {
      expect(figures(short, '95')).toMatchObject({ unrealizedPnl: '10', netPnl: '10' });
    });
  });

  it('net = realized + unrealized − fees + funding, exactly', () => {
    const b = applyFunding(
      fill(undefined, ['buy', '0.003', '87000.1', '0.052200'], ['sell', '0.001', '87010.3', '0.0174']),
      '-0.0125',
    );
    expect(figures(b, midOf('87001.1', '87001.2'))).toEqual({
      position: '0.002',
      avgCost: '87000.1',
      mark: '87001.15',
      realizedPnl: '0.0102',
      unrealizedPnl: '0.0021',
      fees: '0.0696',
      funding: '-0.0125',
      netPnl: '-0.0698',
    });
  });

  it('has no mark and nothing unrealized before the first quote', () => {
    expect(figures(fill(undefined, ['buy', '1', '10', '0']), null)).toMatchObject({
      mark: null,
      unrealizedPnl: '0',
    });
  });
});
