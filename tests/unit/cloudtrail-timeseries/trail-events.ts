import type { Event } from '@aws-sdk/client-cloudtrail';

/** `count` KMS events spread over the hour starting at `hourIso`, newest first as LookupEvents returns them. */
export function kmsEvents(hourIso: string, count: number): Event[] {
  const start = new Date(hourIso).getTime();
  const names = ['Decrypt', 'Decrypt', 'Decrypt', 'GenerateDataKey', 'Encrypt', 'DescribeKey', 'ListAliases'];
  return Array.from({ length: count }, (_, n) => ({
    EventId: `0b6b7a1c-${String(n).padStart(4, '0')}-4e2f-9a51-7c1d2e3f4a5b`,
    EventName: names[n % names.length],
    ReadOnly: names[n % names.length] === 'Encrypt' ? 'false' : 'true',
    AccessKeyId: n % 5 === 0 ? undefined : 'ASIAXMPL7W66TXMPLVJK',
    EventTime: new Date(start + Math.floor(((n + 0.5) * 3_600_000) / count)),
    EventSource: 'kms.amazonaws.com',
    Username: n % 5 === 0 ? undefined : 'checkout-api-role',
    Resources: [],
  })).reverse();
}

/** Splits events into LookupEvents pages of 50 with NextTokens. */
export function pagesOf(events: Event[]): { Events: Event[]; NextToken?: string }[] {
  const pages: { Events: Event[]; NextToken?: string }[] = [];
  for (let i = 0; i < events.length || pages.length === 0; i += 50) {
    pages.push({
      Events: events.slice(i, i + 50),
      ...(i + 50 < events.length && { NextToken: `token-${i + 50}` }),
    });
  }
  return pages;
}
