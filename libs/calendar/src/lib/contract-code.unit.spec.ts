import { contractForCode, contracts } from './contracts';

describe('contractForCode', () => {
  it('names the contract a Globex code stands for, with the same dates as contracts()', () => {
    const r = contractForCode('GCZ5');
    expect(r._tag).toBe('Contract');
    const listed = contracts('GC', '2025-12', '2025-12');
    expect(listed._tag === 'Right' && r._tag === 'Contract' ? r.contract : null).toEqual(
      listed._tag === 'Right' ? listed.right[0] : 'no',
    );
  });

  it('reads the one-digit year within the covered years', () => {
    const r = contractForCode('ESH7');
    expect(r._tag === 'Contract' ? r.contract.month : r._tag).toBe('2027-03');
  });

  it('refuses to guess a known root outside the calendar: off-cycle month or uncovered year', () => {
    expect(contractForCode('ESF5')).toMatchObject({ _tag: 'UnknownContract', code: 'ESF5' });
    expect(contractForCode('GCZ9')).toMatchObject({ _tag: 'UnknownContract', code: 'GCZ9' });
  });

  it('leaves symbols that are not CME contract codes alone', () => {
    for (const s of ['BTC/USDT:USDT', 'BTCUSDT', 'XYZZ5', 'GC', 'gcz5'])
      expect(contractForCode(s)).toEqual({ _tag: 'NotAContractCode' });
  });
});
