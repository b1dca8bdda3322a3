import type { OpenSearchHttp } from './opensearch-client';

/**
 * How Firehose's OpenSearch Serverless destination indexes a buffer of records: one _bulk
 * request, each record's data as one document of the configured index, with no document id
 * (the Serverless destination takes none: AmazonOpenSearchServerlessDestinationConfiguration in
 * the Firehose service model has no DocumentIdOptions). Each document's answer comes back in
 * order: undefined when indexed, else the status and OpenSearch's reason.
 */
export function bulkIndex(http: OpenSearchHttp) {
  return async (index: string, documents: readonly Buffer[]) => {
    if (documents.length === 0) return [];
    const action = `${JSON.stringify({ index: { _index: index } })}\n`;
    const body = documents.map((d) => `${action}${d.toString('utf8')}\n`).join('');
    const answer = await http.request<BulkAnswer>('POST', '/_bulk', body, 'application/x-ndjson');
    return answer.items.map(({ index: item }) =>
      item.error ? { status: item.status, reason: `${item.error.type}: ${item.error.reason}` } : undefined,
    );
  };
}

interface BulkAnswer {
  readonly errors: boolean;
  readonly items: { index: { status: number; error?: { type: string; reason: string } } }[];
}
