import { ConfigurationError } from '../shared/env';
import { InvalidInputError } from '../shared/errors';

export class QuietCheckRequestError extends InvalidInputError {
  override readonly name = 'QuietCheckRequestError';
}

/** The schedule sends {}: the check has nothing to be told, so anything else is refused. */
export function checkRequest(event: unknown): void {
  const isEmptyObject =
    event !== null && typeof event === 'object' && !Array.isArray(event) && Object.keys(event).length === 0;
  if (!isEmptyObject)
    throw new QuietCheckRequestError(
      `the input must be {} (the schedule's), got ${JSON.stringify(event)?.slice(0, 80)}`,
    );
}

/**
 * Which sending accounts went quiet: no log event for `quietAfterHours`, judged from the hourly
 * LogEventsBySourceAccount metric the CloudWatch Logs transform emits per account. No AWS I/O.
 */

export interface AccountSilence {
  account: string;
  /** The start of the last hour with events, or null when none in the two weeks CloudWatch lists. */
  lastSeen: string | null;
  hoursQuiet: number | null;
}

export const HOUR_MS = 3_600_000;

/** The latest timestamp with a positive value, per account, from GetMetricData's series. */
export function lastSeenByAccount(
  series: readonly { account: string; timestamps: readonly Date[]; values: readonly number[] }[],
): Map<string, Date> {
  const seen = new Map<string, Date>();
  for (const { account, timestamps, values } of series) {
    timestamps.forEach((at, i) => {
      if ((values[i] ?? 0) <= 0) return;
      const known = seen.get(account);
      if (!known || at > known) seen.set(account, at);
    });
  }
  return seen;
}

/**
 * Accounts expected (listed senders) or seen in the last two weeks whose last data point is
 * older than the threshold, oldest silence first. The last hour's point counts from its end.
 */
export function quietAccounts(
  expected: readonly string[],
  lastSeen: ReadonlyMap<string, Date>,
  now: Date,
  quietAfterHours: number,
): AccountSilence[] {
  const accounts = [...new Set([...expected, ...lastSeen.keys()])].sort();
  return accounts
    .map((account): AccountSilence => {
      const at = lastSeen.get(account);
      if (!at) return { account, lastSeen: null, hoursQuiet: null };
      const hoursQuiet = Math.floor((now.getTime() - (at.getTime() + HOUR_MS)) / HOUR_MS);
      return { account, lastSeen: at.toISOString(), hoursQuiet };
    })
    .filter((s) => s.hoursQuiet === null || s.hoursQuiet >= quietAfterHours)
    .sort((a, b) => (b.hoursQuiet ?? Number.POSITIVE_INFINITY) - (a.hoursQuiet ?? Number.POSITIVE_INFINITY));
}

/** SenderAccountIds as the template passes it: comma-separated, possibly empty. */
export function parseAccountList(text: string | undefined): string[] {
  const accounts = (text ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const bad = accounts.find((a) => !/^\d{12}$/.test(a));
  if (bad)
    throw new ConfigurationError(`EXPECTED_ACCOUNTS holds ${JSON.stringify(bad)}, not a 12-digit account id`);
  return accounts;
}
