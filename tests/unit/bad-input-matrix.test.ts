import { functionHandler } from '../../offline/harness';
import { lambdaContext } from '../../offline/lambda-context';
import { loadTemplate, resourcesOfType } from '../../offline/template';

/**
 * Every function, given what it should never get: each answer is a named error whose message
 * says what was wrong (the Lambda runtime logs it as the invocation's error line), never a
 * TypeError from deep inside.
 */
const huge = 'x'.repeat(2_000_000);
const firehoseBase = {
  invocationId: 'i',
  deliveryStreamArn: 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/s',
  region: 'eu-west-1',
};

const matrix: [string, string, unknown, string, RegExp][] = [
  ['ClickstreamTransformFunction', 'no event', null, 'InvalidFirehoseEventError', /event is not an object/],
  [
    'ClickstreamTransformFunction',
    'a CloudWatch Logs subscription event for Lambda',
    { awslogs: { data: 'H4sIAAAAAAAA' } },
    'InvalidFirehoseEventError',
    /this is a CloudWatch Logs subscription event for a Lambda function \(awslogs\), not a Firehose transformation event/,
  ],
  [
    'ClickstreamTransformFunction',
    'records not a list',
    { ...firehoseBase, records: 'x' },
    'InvalidFirehoseEventError',
    /records/,
  ],
  [
    'ClickstreamTransformFunction',
    'a record without data',
    { ...firehoseBase, records: [{ recordId: 'a' }] },
    'InvalidFirehoseEventError',
    /data/,
  ],
  [
    'CloudWatchLogsTransformFunction',
    'a DynamoDB stream event',
    { Records: [{ eventSource: 'aws:dynamodb', eventName: 'INSERT' }] },
    'InvalidFirehoseEventError',
    /this is an event from aws:dynamodb \(Records\), not a Firehose transformation event/,
  ],
  [
    'CloudWatchLogsTransformFunction',
    'a record without an id',
    { ...firehoseBase, records: [{ data: 'eA==' }] },
    'InvalidFirehoseEventError',
    /recordId/,
  ],
  [
    'DynamoDbStreamForwarderFunction',
    'no Records',
    {},
    'InvalidStreamEventError',
    /event.Records is missing or not an array/,
  ],
  [
    'DynamoDbStreamForwarderFunction',
    'Records not a list',
    { Records: huge },
    'InvalidStreamEventError',
    /event.Records/,
  ],
  [
    'CloudTrailTimeseriesFunction',
    'an hour that is not one',
    { hour: 'nope' },
    'InvalidRequestError',
    /hour "nope"/,
  ],
  [
    'CloudTrailTimeseriesFunction',
    'a service that is not a name',
    { service: 7 },
    'InvalidRequestError',
    /service must be a string/,
  ],
  [
    'CloudTrailTimeseriesFunction',
    'a huge service name',
    { service: huge },
    'InvalidRequestError',
    /service/,
  ],
  ['CloudTrailTimeseriesFunction', 'not an object', 'x', 'InvalidRequestError', /must be a JSON object/],
  [
    'CloudTrailBackfillFunction',
    'no step',
    {},
    'UnknownStepError',
    /step must be "plan", "summarise", got undefined/,
  ],
  [
    'CloudTrailBackfillFunction',
    'a plan without a request',
    { step: 'plan' },
    'BackfillValidationError',
    /JSON object/,
  ],
  [
    'CloudTrailBackfillFunction',
    'too many days',
    { step: 'plan', request: { service: 'kms', days: 400 } },
    'BackfillValidationError',
    /days/,
  ],
  [
    'RedshiftLoadFunction',
    'no step',
    {},
    'UnknownStepError',
    /step must be "prepare", "statements", got undefined/,
  ],
  [
    'RedshiftLoadFunction',
    'an injected table name',
    {
      step: 'prepare',
      request: {
        table: 'audit.x; DROP TABLE y',
        source: 's3://b/p/',
        format: 'PARQUET',
        mergeKeys: ['id'],
        loadId: 'l',
      },
    },
    'LoadValidationError',
    /table/,
  ],
  [
    'RedshiftLoadFunction',
    'statements without columns',
    { step: 'statements', request: { table: 'audit.t' }, columns: [] },
    'LoadValidationError',
    /has no columns/,
  ],
  [
    'AuditLogAggregatorFunction',
    'no batch and no schedule',
    {},
    'AggregationRequestError',
    /an empty object is not an aggregation request: send { batchId, sources }/,
  ],
  [
    'AuditLogAggregatorFunction',
    'a batch id with a path in it',
    { batchId: '../x', sources: [{ customer: 'acme', uri: 's3://b/k' }] },
    'AggregationRequestError',
    /batchId/,
  ],
  [
    'AuditLogAggregatorFunction',
    'sources not a list',
    { batchId: 'b', sources: huge },
    'AggregationRequestError',
    /sources must be a non-empty list/,
  ],
  [
    'CatalogThenEtlFunction',
    'no step',
    {},
    'UnknownStepError',
    /step must be "plan", "scan", "report", got undefined/,
  ],
  [
    'UsagePlanKeysFunction',
    'another usage plan',
    { usagePlanId: 'someone-elses' },
    'UsagePlanKeysRequestError',
    /reads only the stack's usage plan, not usagePlanId/,
  ],
  ['UsagePlanKeysFunction', 'a list', [], 'UsagePlanKeysRequestError', /the input must be \{\}/],
  [
    'QuietSourceAccountsFunction',
    'a request',
    { account: '1' },
    'QuietCheckRequestError',
    /the input must be \{\}/,
  ],
  ['QuietSourceAccountsFunction', 'not an object', 'x', 'QuietCheckRequestError', /got "x"/],
  [
    'RotationChangeSetFunction',
    'no change set name',
    {},
    'RotationChangeSetRequestError',
    /the input must be \{"changeSetName": "<a change set name>", "slot": "A" or "B"\}, got \{\}/,
  ],
  [
    'SearchForwarderFunction',
    'no Records',
    {},
    'InvalidQueueEventError',
    /event.Records is missing or not an array/,
  ],
  [
    'SearchForwarderFunction',
    'Records not a list',
    { Records: 'x' },
    'InvalidQueueEventError',
    /event.Records is missing or not an array/,
  ],
  [
    'CatalogThenEtlFunction',
    'a range of numbers',
    { step: 'plan', input: { from: 5, to: 6 } },
    'RunRequestError',
    /from 5 must be an hour/,
  ],
  ['CatalogThenEtlFunction', 'a scan without a plan', { step: 'scan' }, 'RunRequestError', /plan/],
  [
    'CatalogThenEtlFunction',
    'a report without hours',
    { step: 'report', hours: 'x' },
    'RunRequestError',
    /hours/,
  ],
];

describe('bad input', () => {
  it.each(matrix)('%s: %s → %s', async (logicalId, _case, event, name, message) => {
    const failure = functionHandler(logicalId)(event, lambdaContext(logicalId));

    await expect(failure).rejects.toMatchObject({ name, message: expect.stringMatching(message) });
  });

  it('covers every function of the template', () => {
    const functions = resourcesOfType(loadTemplate(), 'AWS::Serverless::Function').map(([id]) => id);

    expect(new Set(matrix.map(([id]) => id))).toEqual(new Set(functions));
  });
});
