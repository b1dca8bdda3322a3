import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { operation, type ServiceModel, serviceModel, shapeProblems } from '../../offline/service-models';
import { fakeRef } from '../../offline/substitutions';
import { loadTemplate } from '../../offline/template';
import {
  localListMetrics,
  localUsagePlanKeys,
  recordedChangeSet,
  recordedPutRecordBatch,
} from '../../tools/invoke/function';
import { LocalFirehose } from '../../tools/local/firehose';
import { loadHandler } from '../../tools/local/handlers';
import { LocalObjectStore } from '../../tools/local/object-store';
import { cloudTrailSample } from '../../tools/local/samples';
import { answerCloudTrail, answerS3 } from '../../tools/local/sdk-patches';

/**
 * What the demo and `make invoke` answer in AWS's place, checked against the operations' output
 * shapes in botocore's models, as an SDK v3 client hands them over (Dates, byte streams).
 */
const outputProblems = (model: ServiceModel, operationName: string, answer: unknown) =>
  shapeProblems(model, operation(model, operationName).output ?? { shape: '' }, answer, {
    sdkValues: true,
    extraMembers: ['$metadata'],
  });
const command = (name: string, input: Record<string, unknown>) => ({ constructor: { name }, input });

describe('local stand-ins for AWS answer as the service models say', () => {
  const s3 = serviceModel('s3');
  const store = new LocalObjectStore(mkdtempSync(join(tmpdir(), 'loglake-adapters-')));
  const answer = answerS3(store);

  it('S3: PutObject, GetObject, ListObjectsV2 and the multipart upload', async () => {
    const bucket = 'loglake-test-rawbucket';
    const put = await answer(command('PutObjectCommand', { Bucket: bucket, Key: 'a/b.json', Body: '{}' }));
    const got = await answer(command('GetObjectCommand', { Bucket: bucket, Key: 'a/b.json' }));
    const listed = await answer(command('ListObjectsV2Command', { Bucket: bucket, Prefix: 'a/' }));
    const created = await answer(command('CreateMultipartUploadCommand', { Bucket: bucket, Key: 'c' }));
    const part = await answer(
      command('UploadPartCommand', {
        Bucket: bucket,
        Key: 'c',
        UploadId: created.UploadId,
        PartNumber: 1,
        Body: 'x',
      }),
    );
    const completed = await answer(
      command('CompleteMultipartUploadCommand', { Bucket: bucket, Key: 'c', UploadId: created.UploadId }),
    );

    expect(outputProblems(s3, 'PutObject', put)).toEqual([]);
    expect(outputProblems(s3, 'GetObject', got)).toEqual([]);
    expect(outputProblems(s3, 'ListObjectsV2', listed)).toEqual([]);
    expect((listed.Contents as unknown[]).length).toBe(1);
    expect(outputProblems(s3, 'CreateMultipartUpload', created)).toEqual([]);
    expect(outputProblems(s3, 'UploadPart', part)).toEqual([]);
    expect(outputProblems(s3, 'CompleteMultipartUpload', completed)).toEqual([]);
  });

  it('CloudTrail: LookupEvents, page by page', async () => {
    const events = cloudTrailSample(new Date('2026-11-22T14:00:00Z'), 1);
    const page = await answerCloudTrail({ trailEvents: events })(
      command('LookupEventsCommand', { StartTime: new Date(0), MaxResults: 50 }),
    );

    expect(outputProblems(serviceModel('cloudtrail'), 'LookupEvents', page)).toEqual([]);
    expect((page.Events as unknown[]).length).toBeGreaterThan(0);
  });

  it("Firehose: PutRecordBatch, as the demo's delivery streams and make invoke's recorder answer it", async () => {
    const firehose = serviceModel('firehose');
    const records = [{ Data: Buffer.from('{"a":1}\n') }];
    const delivered = await new LocalFirehose(store, loadHandler).putRecords(
      fakeRef(loadTemplate(), 'DynamoDbDeliveryStream'),
      records,
    );

    expect(outputProblems(firehose, 'PutRecordBatch', delivered)).toEqual([]);
    expect(outputProblems(firehose, 'PutRecordBatch', recordedPutRecordBatch(records))).toEqual([]);
  });

  it("API Gateway: GetUsagePlanKeys, as make invoke's local usage plan answers it", () => {
    expect(outputProblems(serviceModel('apigateway'), 'GetUsagePlanKeys', localUsagePlanKeys())).toEqual([]);
  });

  it("CloudWatch: ListMetrics, as make invoke's empty local CloudWatch answers it", () => {
    expect(outputProblems(serviceModel('cloudwatch'), 'ListMetrics', localListMetrics())).toEqual([]);
  });

  it("CloudFormation: DescribeChangeSet, as make invoke's recorded change sets answer it", () => {
    for (const name of [
      'loglake-rotate-2026-11-22T140000Z',
      'arn:aws:cloudformation:eu-west-1:123456789012:changeSet/loglake-dev-IngestionApiPipeline-1/api2',
    ])
      expect(
        outputProblems(serviceModel('cloudformation'), 'DescribeChangeSet', recordedChangeSet(name)),
      ).toEqual([]);
  });
});
