import { randomUUID } from 'node:crypto';
import {
  type Row,
  rowsOf,
  type SearchResponse,
  savedObjects,
  type TimeRange,
  visualizationSearches,
} from '../../offline/dashboard-queries';
import { lambdaContext } from '../../offline/lambda-context';
import { openSearchHttp } from '../../offline/opensearch-client';
import type { OpenSearchNode } from '../../offline/opensearch-node';
import { bulkIndex } from '../../offline/search-sink';
import { indexTemplateRequest, install } from '../dashboards/install';
import type { LocalFirehose } from './firehose';
import { loadHandler } from './handlers';
import type { LocalObjectStore } from './object-store';
import { names } from './services';

export interface VisualizationResult {
  readonly id: string;
  readonly title: string;
  readonly rows: readonly Row[];
}

export interface SearchResult {
  readonly objectsForwarded: number;
  readonly documentsIndexed: number;
  readonly documentsBackedUp: number;
  readonly visualizations: readonly VisualizationResult[];
}

/**
 * The search sink on this machine, as on AWS: the index template installed by make dashboards'
 * own request, each clickstream object of the raw zone handed to the real forwarder as
 * EventBridge puts it on the forward queue, the search stream indexing into the real node, then
 * every saved visualization's search run on it over `time`.
 */
export async function searchPipeline(
  store: LocalObjectStore,
  firehose: LocalFirehose,
  node: OpenSearchNode,
  time: TimeRange,
): Promise<SearchResult> {
  const http = openSearchHttp(node.url);
  await install(plainHttp(node.url), [indexTemplateRequest()]);
  firehose.searchSink = bulkIndex(http);

  const forwarder = await loadHandler('SearchForwarderFunction');
  const objects = store.list(names.rawBucket, 'clickstream/');
  for (const object of objects) {
    const answer = (await forwarder(
      forwardQueueEvent(names.rawBucket, object.key, object.size),
      lambdaContext('SearchForwarderFunction'),
    )) as { batchItemFailures: unknown[] };
    if (answer.batchItemFailures.length > 0)
      throw new Error(`the forwarder did not forward ${object.key}: ${JSON.stringify(answer)}`);
  }
  // What was indexed becomes searchable at the next refresh (each second on a node); now, for the searches.
  await http.request('POST', '/clickstream*/_refresh');
  const counts = firehose.countsOf('SearchDeliveryStream');
  const visualizations = await Promise.all(
    visualizationSearches(savedObjects(), time).map(async (search) => ({
      id: search.id,
      title: search.title,
      rows: rowsOf(
        search,
        await http.request<SearchResponse>('POST', `/${search.index}/_search`, search.body),
      ),
    })),
  );
  return {
    objectsForwarded: objects.length,
    documentsIndexed: counts.ok,
    documentsBackedUp: counts.processingFailed,
    visualizations,
  };
}

/** One SQS message holding EventBridge's S3 Object Created event (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html). */
export function forwardQueueEvent(bucket: string, key: string, size: number) {
  const event = {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size, etag: 'local', sequencer: '0' },
      'request-id': 'local',
      requester: '123456789012',
      reason: 'PutObject',
    },
  };
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: 'local',
        body: JSON.stringify(event),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'events.amazonaws.com',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:loglake-dev-clickstream-search-forward',
        awsRegion: 'eu-west-1',
      },
    ],
  };
}

/** make dashboards' sender without SigV4, for the local node. */
export function plainHttp(baseUrl: string) {
  return async (request: {
    method: string;
    path: string;
    headers: Readonly<Record<string, string>>;
    body: Buffer;
  }) => {
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
    return { status: response.status, body: await response.text() };
  };
}
