import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { _Record, PutRecordBatchCommandOutput } from '@aws-sdk/client-firehose';
import type { FirehoseTransformationResult } from 'aws-lambda';
import { packPutBatches } from '../../functions/shared/firehose/put';
import type { Handler } from '../../offline/harness';
import { lambdaContext } from '../../offline/lambda-context';
import { fakeRef, fakeSubstitution } from '../../offline/substitutions';
import { type Json, loadTemplate, resourcesOfType, type Template } from '../../offline/template';
import type { LocalObjectStore } from './object-store';

/** One delivery stream of template.yaml, as Firehose would run it: transform, partition, write. */
interface StreamConfig {
  readonly logicalId: string;
  readonly names: string[];
  readonly bucket: string;
  readonly prefix: string;
  readonly errorPrefix: string;
  readonly transform?: string;
  readonly bufferBytes: number;
  /** RecordDeAggregation (DELIMITED): the delimiter Firehose splits each record on before the transform. */
  readonly deaggregateOn?: Buffer;
  /** An OpenSearch Serverless destination: the index each record is a document of (S3 is its backup). */
  readonly searchIndex?: string;
}

/**
 * Where a search stream's documents go: the index's answer for each document, in order
 * (undefined when it was indexed, else OpenSearch's status and reason).
 */
export type SearchSink = (
  index: string,
  documents: readonly Buffer[],
) => Promise<({ status: number; reason: string } | undefined)[]>;

/** Firehose splits a record into at most this many sub-records (dynamic-partitioning-multirecord-deaggergation.html). */
export const MAX_SUB_RECORDS = 500;

type Processor = { Type: string; Parameters?: { ParameterName: string; ParameterValue: Json }[] };

export interface StreamCounts {
  recordsIn: number;
  ok: number;
  dropped: number;
  processingFailed: number;
  objects: number;
  invocations: number;
}

/** Where a stream writes S3 (its destination, or a search stream's backup): bucket and prefixes. */
function s3Location(template: Template, s3: Record<string, Json>) {
  return {
    bucket: fakeSubstitution(template, s3.BucketARN as Json).replace(/^arn:aws:s3:::/, ''),
    prefix: fakeSubstitution(template, s3.Prefix as Json),
    errorPrefix: fakeSubstitution(template, s3.ErrorOutputPrefix as Json),
  };
}

function streamConfigs(template: Template): StreamConfig[] {
  return resourcesOfType(template, 'AWS::KinesisFirehose::DeliveryStream').map(([logicalId, stream]) => {
    const names = [
      fakeRef(template, logicalId),
      fakeSubstitution(template, stream.Properties?.DeliveryStreamName as Json),
    ];
    const search = stream.Properties?.AmazonOpenSearchServerlessDestinationConfiguration as
      | Record<string, Json>
      | undefined;
    if (search) {
      return {
        logicalId,
        names,
        ...s3Location(template, search.S3Configuration as Record<string, Json>),
        bufferBytes:
          Number((search.BufferingHints as { SizeInMBs?: number } | undefined)?.SizeInMBs ?? 5) * 1024 * 1024,
        searchIndex: String(search.IndexName),
      };
    }
    const destination = stream.Properties?.ExtendedS3DestinationConfiguration as Record<string, Json>;
    const processors =
      (destination.ProcessingConfiguration as { Processors?: Processor[] } | undefined)?.Processors ?? [];
    const parametersOf = (type: string) => processors.find((p) => p.Type === type)?.Parameters ?? [];
    const parameter = (name: string, type = 'Lambda') =>
      parametersOf(type).find((p) => p.ParameterName === name)?.ParameterValue;
    const delimiter =
      parameter('SubRecordType', 'RecordDeAggregation') === 'DELIMITED'
        ? Buffer.from(String(parameter('Delimiter', 'RecordDeAggregation')), 'base64')
        : undefined;
    const lambdaArn = parameter('LambdaArn') as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const bufferMiB = Number(fakeSubstitution(template, (parameter('BufferSizeInMBs') ?? 1) as Json));
    return {
      logicalId,
      names,
      ...s3Location(template, destination),
      transform: lambdaArn?.['Fn::GetAtt']?.[0],
      bufferBytes: bufferMiB * 1024 * 1024,
      ...(delimiter && { deaggregateOn: delimiter }),
    };
  });
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Records in order, grouped into buffers of at most `bufferBytes` (a larger record is a buffer of its own). */
function inBuffers(records: readonly Buffer[], bufferBytes: number): Buffer[][] {
  return packPutBatches(
    records.map((r) => r.byteLength),
    Number.POSITIVE_INFINITY,
    bufferBytes,
  ).map((group) => group.map((index) => records[index] as Buffer));
}

/** One line of an error prefix, as Firehose writes a failed record (https://docs.aws.amazon.com/firehose/latest/dev/retry.html). */
function failureLine(
  arrival: Date,
  errorCode: string,
  errorMessage: string,
  record: Buffer | undefined,
  where: Record<string, string>,
): Buffer {
  return Buffer.from(
    `${JSON.stringify({
      attemptsMade: 1,
      arrivalTimestamp: arrival.getTime(),
      errorCode,
      errorMessage,
      attemptEndingTimestamp: Date.now(),
      ...where,
      rawData: record?.toString('base64'),
    })}\n`,
  );
}

/** A packed record's sub-records, split on the delimiter (a trailing one ends the last sub-record). */
export function deaggregate(record: Buffer, delimiter: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let at = record.indexOf(delimiter); at >= 0; at = record.indexOf(delimiter, start)) {
    parts.push(record.subarray(start, at));
    start = at + delimiter.length;
  }
  if (start < record.length) parts.push(record.subarray(start));
  if (parts.length > MAX_SUB_RECORDS)
    throw new Error(
      `Firehose splits a record into at most ${MAX_SUB_RECORDS} sub-records; this one has ${parts.length}`,
    );
  return parts;
}

/** Fills Firehose's prefix expressions: partition keys from the transform, arrival time, error type. */
function renderPrefix(
  prefix: string,
  keys: Record<string, string>,
  arrival: Date,
  errorType = 'processing-failed',
): string {
  return prefix
    .replace(/!\{partitionKeyFromLambda:([^}]+)\}/g, (_, name: string) => keys[name] ?? 'missing')
    .replace(/!\{firehose:error-output-type\}/g, errorType)
    .replace(/!\{timestamp:([^}]+)\}/g, (_, format: string) =>
      format
        .replace('yyyy', String(arrival.getUTCFullYear()))
        .replace('MM', pad(arrival.getUTCMonth() + 1))
        .replace('dd', pad(arrival.getUTCDate()))
        .replace('HH', pad(arrival.getUTCHours())),
    );
}

export class LocalFirehose {
  private readonly streams: StreamConfig[];
  readonly counts = new Map<string, StreamCounts>();
  private sequence = 0;

  /** Where search streams index (a real OpenSearch node); unset, they refuse records. */
  searchSink?: SearchSink;

  constructor(
    private readonly store: LocalObjectStore,
    private readonly handlerFor: (logicalId: string) => Promise<Handler>,
    template: Template = loadTemplate(),
  ) {
    this.streams = streamConfigs(template);
  }

  private stream(name: string): StreamConfig {
    const stream = this.streams.find((s) => s.names.includes(name) || s.logicalId === name);
    if (!stream) throw new Error(`no delivery stream ${name} in template.yaml`);
    return stream;
  }

  countsOf(logicalId: string): StreamCounts {
    let counts = this.counts.get(logicalId);
    if (!counts) {
      counts = { recordsIn: 0, ok: 0, dropped: 0, processingFailed: 0, objects: 0, invocations: 0 };
      this.counts.set(logicalId, counts);
    }
    return counts;
  }

  /** PutRecordBatch: the records are accepted, transformed and written as Firehose would. */
  async putRecords(streamName: string, records: _Record[]): Promise<PutRecordBatchCommandOutput> {
    await this.deliver(
      streamName,
      records.map((r) => Buffer.from(r.Data ?? new Uint8Array())),
    );
    return {
      $metadata: {},
      FailedPutCount: 0,
      RequestResponses: records.map(() => ({ RecordId: randomUUID() })),
    };
  }

  async deliver(streamName: string, received: Buffer[], arrival = new Date()): Promise<void> {
    const stream = this.stream(streamName);
    const counts = this.countsOf(stream.logicalId);
    counts.recordsIn += received.length;
    const data = stream.deaggregateOn
      ? received.flatMap((record) => deaggregate(record, stream.deaggregateOn as Buffer))
      : received;
    if (stream.searchIndex !== undefined) {
      await this.index(stream, stream.searchIndex, data, arrival);
      return;
    }
    if (!stream.transform) {
      this.write(stream, stream.prefix, {}, data, arrival);
      counts.ok += data.length;
      return;
    }
    // Firehose invokes the transform with up to the buffer size of records at a time.
    const batches = inBuffers(data, stream.bufferBytes);
    const handler = await this.handlerFor(stream.transform);
    for (const records of batches) {
      const ids = records.map((_, i) => `${String(this.sequence++).padStart(12, '0')}-${i}`);
      const event = {
        invocationId: randomUUID(),
        deliveryStreamArn: `arn:aws:firehose:eu-west-1:123456789012:deliverystream/${stream.names[1]}`,
        region: 'eu-west-1',
        records: records.map((r, i) => ({
          recordId: ids[i],
          approximateArrivalTimestamp: arrival.getTime(),
          data: r.toString('base64'),
        })),
      };
      const response = (await handler(
        event,
        lambdaContext(stream.transform),
      )) as FirehoseTransformationResult;
      counts.invocations++;
      const groups = new Map<string, { keys: Record<string, string>; data: Buffer[] }>();
      const failed: Buffer[] = [];
      for (const [i, result] of response.records.entries()) {
        if (result.result === 'Dropped') counts.dropped++;
        else if (result.result === 'ProcessingFailed') {
          counts.processingFailed++;
          failed.push(
            failureLine(
              arrival,
              'Lambda.FunctionError',
              'The Lambda function returned ProcessingFailed for the record.',
              records[i],
              {
                lambdaArn: `arn:aws:lambda:eu-west-1:123456789012:function:${stream.transform}`,
              },
            ),
          );
        } else {
          counts.ok++;
          const keys = (result.metadata?.partitionKeys ?? {}) as Record<string, string>;
          const prefix = renderPrefix(stream.prefix, keys, arrival);
          const group = groups.get(prefix) ?? { keys, data: [] };
          group.data.push(Buffer.from(result.data ?? '', 'base64'));
          groups.set(prefix, group);
        }
      }
      for (const [prefix, group] of groups) this.write(stream, prefix, group.keys, group.data, arrival);
      if (failed.length > 0) this.write(stream, stream.errorPrefix, {}, failed, arrival);
    }
  }

  /**
   * A search stream's delivery: one bulk request of the records as documents; those the index
   * rejects are backed up under the stream's S3 prefix in AmazonOpenSearchService_failed/, one
   * JSON line each with the reason, in the form
   * https://docs.aws.amazon.com/firehose/latest/dev/retry.html gives for OpenSearch Serverless.
   */
  private async index(stream: StreamConfig, index: string, documents: Buffer[], arrival: Date) {
    if (!this.searchSink)
      throw new Error(`${stream.logicalId} delivers to OpenSearch, and no local node is bound`);
    const counts = this.countsOf(stream.logicalId);
    const failed: Buffer[] = [];
    // One bulk request per buffer (the destination's BufferingHints.SizeInMBs).
    for (const batch of inBuffers(documents, stream.bufferBytes)) {
      counts.invocations++;
      const answers = await this.searchSink(index, batch);
      for (const [i, answer] of answers.entries()) {
        if (answer === undefined) {
          counts.ok++;
          continue;
        }
        counts.processingFailed++;
        failed.push(
          failureLine(arrival, String(answer.status), answer.reason, batch[i], { osIndexName: index }),
        );
      }
    }
    if (failed.length > 0)
      this.write(stream, `${stream.prefix}AmazonOpenSearchService_failed/`, {}, failed, arrival);
  }

  private write(
    stream: StreamConfig,
    prefix: string,
    keys: Record<string, string>,
    data: Buffer[],
    arrival: Date,
  ) {
    const key = `${renderPrefix(prefix, keys, arrival)}${stream.names[1]}-${String(this.sequence++).padStart(6, '0')}.gz`;
    this.store.put(stream.bucket, key, gzipSync(Buffer.concat(data)));
    this.countsOf(stream.logicalId).objects++;
  }
}
