import {
  lastSeenByAccount,
  parseAccountList,
  quietAccounts,
} from '../../../functions/quiet-source-accounts/quiet';

const now = new Date('2026-11-22T14:25:00Z');
const hour = (iso: string) => new Date(iso);

describe('quiet source accounts', () => {
  it('takes the last hour with events of each account, ignoring empty hours', () => {
    const seen = lastSeenByAccount([
      {
        account: '111111111111',
        timestamps: [hour('2026-11-22T13:00:00Z'), hour('2026-11-22T12:00:00Z')],
        values: [0, 40],
      },
      { account: '222222222222', timestamps: [hour('2026-11-22T13:00:00Z')], values: [7] },
    ]);

    expect(Object.fromEntries([...seen].map(([a, at]) => [a, at.toISOString()]))).toEqual({
      '111111111111': '2026-11-22T12:00:00.000Z',
      '222222222222': '2026-11-22T13:00:00.000Z',
    });
  });

  it('names accounts silent for the threshold, and listed senders never seen, longest silence first', () => {
    const seen = new Map([
      ['111111111111', hour('2026-11-22T07:00:00Z')],
      ['222222222222', hour('2026-11-22T13:00:00Z')],
      ['333333333333', hour('2026-11-21T20:00:00Z')],
    ]);

    expect(quietAccounts(['444444444444', '222222222222'], seen, now, 6)).toEqual([
      { account: '444444444444', lastSeen: null, hoursQuiet: null },
      { account: '333333333333', lastSeen: '2026-11-21T20:00:00.000Z', hoursQuiet: 17 },
      { account: '111111111111', lastSeen: '2026-11-22T07:00:00.000Z', hoursQuiet: 6 },
    ]);
  });

  it('finds nobody quiet when every account sent within the threshold', () => {
    expect(quietAccounts([], new Map([['111111111111', hour('2026-11-22T13:00:00Z')]]), now, 2)).toEqual([]);
  });

  it('reads the listed senders, refusing anything that is not an account id', () => {
    expect(parseAccountList('')).toEqual([]);
    expect(parseAccountList(undefined)).toEqual([]);
    expect(parseAccountList('111111111111, 222222222222')).toEqual(['111111111111', '222222222222']);
    expect(() => parseAccountList('111111111111,o-abc')).toThrow(
      expect.objectContaining({
        name: 'ConfigurationError',
        message: expect.stringContaining('"o-abc", not a 12-digit'),
      }),
    );
  });
});
