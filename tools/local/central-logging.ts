import { gunzipSync } from 'node:zlib';
import { accountPolicyExclusions, admits, destinationPolicy } from '../../offline/central-logging';
import { FAKE_ACCOUNT } from '../../offline/substitutions';
import { loadTemplate } from '../../offline/template';
import { centralLoggingSample, SENDING_ACCOUNTS } from './samples';
import { names } from './services';
import type { LocalSession } from './session';

export interface AccountVolume {
  account: string;
  /** A sending account (through the destination) or this one (through its account-level policy). */
  via: 'destination' | 'account policy';
  logGroups: number;
  eventsSent: number;
  eventsStored: number;
  objects: number;
  bytes: number;
}

export interface CentralLoggingResult {
  payloads: number;
  delivered: number;
  failed: number;
  /** Payloads of accounts the destination policy does not admit. */
  refused: number;
  /** Payloads of log groups the account policy leaves out (loglake's own). */
  excluded: { logGroup: string; payloads: number }[];
  byAccount: AccountVolume[];
  objects: number;
}

/** This account's log groups in the demo: an application's, and two of loglake's own. */
const OWN_LOG_GROUPS = [
  '/aws/lambda/orders-api',
  '/aws/lambda/loglake-dev-cloudwatch-logs-transform',
  '/aws/kinesisfirehose/loglake-dev-cloudwatch-logs',
];
const PREFIX = 'cloudwatch-logs/';

/**
 * Central logging as deployed with SenderAccountIds = the three sample accounts and
 * SubscribeAllLogGroups=true: what the templates' destination policy admits and the account
 * policy selects goes through the real transform into the local lake, then is read back per account.
 */
export async function centralLoggingDemo(session: LocalSession, now: Date): Promise<CentralLoggingResult> {
  const template = loadTemplate();
  const parameters = { SenderAccountIds: Object.keys(SENDING_ACCOUNTS), SubscribeAllLogGroups: 'true' };
  const policy = destinationPolicy(template, parameters);
  const excludedNames = new Set(accountPolicyExclusions(template, parameters).names);
  const sample = centralLoggingSample(now, FAKE_ACCOUNT, OWN_LOG_GROUPS);
  const selected = (p: (typeof sample)[number]) =>
    p.owner === FAKE_ACCOUNT ? !excludedNames.has(p.logGroup) : admits(policy, p.owner);
  const sent = sample.filter(selected);

  const { store, firehose } = session;
  const before = { ...firehose.countsOf('CloudWatchLogsDeliveryStream') };
  const earlier = new Set(store.list(names.rawBucket, PREFIX).map((o) => o.key));
  await firehose.deliver(
    'CloudWatchLogsDeliveryStream',
    sent.map((p) => p.payload),
  );
  const after = firehose.countsOf('CloudWatchLogsDeliveryStream');
  const written = store.list(names.rawBucket, PREFIX).filter((o) => !earlier.has(o.key));

  const accounts = [...Object.keys(SENDING_ACCOUNTS), FAKE_ACCOUNT];
  const byAccount = accounts.map((account): AccountVolume => {
    const objects = written.filter((o) => o.key.startsWith(`${PREFIX}account=${account}/`));
    const lines = objects.reduce(
      (sum, o) =>
        sum + gunzipSync(store.get(names.rawBucket, o.key)).toString('utf8').trimEnd().split('\n').length,
      0,
    );
    return {
      account,
      via: account === FAKE_ACCOUNT ? 'account policy' : 'destination',
      logGroups: new Set(objects.map((o) => /\/log_group=([^/]+)\//.exec(o.key)?.[1])).size,
      eventsSent: sent.filter((p) => p.owner === account).reduce((sum, p) => sum + p.events, 0),
      eventsStored: lines,
      objects: objects.length,
      bytes: objects.reduce((sum, o) => sum + o.size, 0),
    };
  });
  const excluded = [...excludedNames]
    .map((logGroup) => ({ logGroup, payloads: sample.filter((p) => p.logGroup === logGroup).length }))
    .filter((e) => e.payloads > 0);

  return {
    payloads: sample.length,
    delivered: after.ok - before.ok,
    failed: after.processingFailed - before.processingFailed,
    refused: sample.filter((p) => p.owner !== FAKE_ACCOUNT && !admits(policy, p.owner)).length,
    excluded,
    byAccount,
    objects: written.length,
  };
}
