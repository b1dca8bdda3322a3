import { evaluate, isCreated } from '../../offline/conditions';
import { type Json, loadTemplate, resource, resourcesOfType } from '../../offline/template';

const template = loadTemplate();
const props = (id: string) => resource(template, id).Properties as Record<string, Json>;
const destinationOf = (id: string) => props(id).ExtendedS3DestinationConfiguration as Record<string, Json>;
/** Where a stream writes S3: its destination, or the backup of a search stream's rejected documents. */
const s3WritesOf = (id: string): Record<string, Json> => {
  const search = props(id).AmazonOpenSearchServerlessDestinationConfiguration as
    | Record<string, Json>
    | undefined;
  return search
    ? {
        ...(search.S3Configuration as Record<string, Json>),
        CloudWatchLoggingOptions: search.CloudWatchLoggingOptions as Json,
      }
    : destinationOf(id);
};
const subscriptionSlots = resourcesOfType(template, 'AWS::Logs::SubscriptionFilter').map(([id]) => id);

describe('cloudwatch logs ingestion', () => {
  it('partitions by source account, sanitised log group and the hour of the first event, with an error prefix', () => {
    const destination = destinationOf('CloudWatchLogsDeliveryStream');

    expect(destination.Prefix).toBe(
      'cloudwatch-logs/account=!{partitionKeyFromLambda:account}/log_group=!{partitionKeyFromLambda:logGroup}/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/',
    );
    expect(destination.ErrorOutputPrefix).toMatch(
      /^cloudwatch-logs-errors\/!\{firehose:error-output-type\}\//,
    );
    expect(JSON.stringify(destination.ProcessingConfiguration)).toContain('CloudWatchLogsTransformFunction');
  });

  it('lets only this account and Region’s CloudWatch Logs assume the subscription role, to put into that stream only', () => {
    const role = props('CloudWatchLogsSubscriptionRole');
    const [trust] = (role.AssumeRolePolicyDocument as { Statement: Json[] }).Statement;
    const [policy] = role.Policies as { PolicyDocument: { Statement: Json[] } }[];

    expect(trust).toEqual({
      Effect: 'Allow',
      Principal: { Service: 'logs.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: {
        StringLike: {
          'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*' },
        },
      },
    });
    expect(policy?.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        Resource: { 'Fn::GetAtt': ['CloudWatchLogsDeliveryStream', 'Arn'] },
      },
    ]);
  });

  it.each([
    [[''], []],
    [['/aws/lambda/checkout-api'], ['/aws/lambda/checkout-api']],
    [
      ['/aws/lambda/a', '/aws/lambda/b', 'API-Gateway-Execution-Logs_x/prod'],
      ['/aws/lambda/a', '/aws/lambda/b', 'API-Gateway-Execution-Logs_x/prod'],
    ],
    [
      ['g1', 'g2', 'g3', 'g4', 'g5'],
      ['g1', 'g2', 'g3', 'g4', 'g5'],
    ],
  ])('subscribes exactly the log groups listed in SubscribedLogGroupNames=%j', (names, expected) => {
    const parameters = { SubscribedLogGroupNames: names };

    const subscribed = subscriptionSlots
      .filter((id) => isCreated(template, id, parameters))
      .map((id) => evaluate(template, props(id).LogGroupName as Json, parameters));

    expect(subscribed).toEqual(expected);
  });

  it('sends every subscription to the stream through the subscription role', () => {
    expect(subscriptionSlots).toHaveLength(5);
    for (const id of subscriptionSlots) {
      expect(props(id)).toMatchObject({
        DestinationArn: { 'Fn::GetAtt': ['CloudWatchLogsDeliveryStream', 'Arn'] },
        RoleArn: { 'Fn::GetAtt': ['CloudWatchLogsSubscriptionRole', 'Arn'] },
        FilterPattern: { Ref: 'SubscriptionFilterPattern' },
      });
    }
  });
});

describe('dynamodb changes ingestion', () => {
  it('streams new and old images of the example table', () => {
    expect(props('ExampleTable').StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(props('ExampleTable').PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
    });
  });

  it('maps the stream to the forwarder with bisect, a record age limit, a DLQ and partial batch responses', () => {
    const events = props('DynamoDbStreamForwarderFunction').Events as Record<
      string,
      { Type: string; Properties: Json }
    >;

    expect(events.ExampleTableStream).toEqual({
      Type: 'DynamoDB',
      Properties: expect.objectContaining({
        Stream: { 'Fn::GetAtt': ['ExampleTable', 'StreamArn'] },
        BisectBatchOnFunctionError: true,
        MaximumRecordAgeInSeconds: { Ref: 'StreamMaximumRecordAgeSeconds' },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: {
          OnFailure: {
            Type: 'SQS',
            Destination: { 'Fn::GetAtt': ['DynamoDbForwarderDeadLetterQueue', 'Arn'] },
          },
        },
      }),
    });
  });

  it('gives the forwarder its stream and overflow bucket, and lets it put into those only', () => {
    const fn = props('DynamoDbStreamForwarderFunction');

    expect(fn.Environment).toMatchObject({
      Variables: {
        DELIVERY_STREAM_NAME: { Ref: 'DynamoDbDeliveryStream' },
        OVERFLOW_BUCKET: { Ref: 'RawBucket' },
        PIPELINE: 'dynamodb',
      },
    });
    expect(fn.Policies).toContainEqual({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'firehose:PutRecordBatch',
          Resource: { 'Fn::GetAtt': ['DynamoDbDeliveryStream', 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: { 'Fn::Sub': '${RawBucket.Arn}/dynamodb-overflow/*' },
        },
      ],
    });
  });

  it('lands changes under dynamodb/<table>/ with an error prefix', () => {
    const destination = destinationOf('DynamoDbDeliveryStream');

    expect(destination.Prefix).toEqual({
      'Fn::Sub':
        'dynamodb/loglake-${Stage}-${ExampleTableName}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
    });
    expect(destination.ErrorOutputPrefix).toMatch(/^dynamodb-errors\//);
  });
});

describe('ingestion alarms', () => {
  const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(
    ([, a]) => a.Properties as Record<string, Json>,
  );
  const alarmedOn = (metric: string) =>
    alarms.filter((a) => a.MetricName === metric).map((a) => (a.Dimensions as { Value: Json }[])[0]?.Value);

  it('alarms when the clickstream transform re-ingests records, which Firehose bills twice', () => {
    const reingest = alarms.find((a) => a.MetricName === 'RecordsReingested');
    expect(reingest).toMatchObject({
      Namespace: 'LogLake',
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    // The dimensions the transform's Powertools metrics carry (service, and the pipeline).
    expect(reingest?.Dimensions).toEqual([
      { Name: 'service', Value: 'loglake' },
      { Name: 'Pipeline', Value: 'clickstream' },
    ]);
  });

  it('alarms on errors of every function', () => {
    const functions = resourcesOfType(template, 'AWS::Serverless::Function').map(([id]) => ({ Ref: id }));

    expect(alarmedOn('Errors')).toEqual(expect.arrayContaining(functions));
  });

  it('alarms on failed S3 deliveries of every stream and on a non-empty dead-letter queue', () => {
    const streams = resourcesOfType(template, 'AWS::KinesisFirehose::DeliveryStream').map(([id]) => ({
      Ref: id,
    }));

    expect(alarmedOn('DeliveryToS3.Success')).toEqual(expect.arrayContaining(streams));
    expect(alarmedOn('ApproximateNumberOfMessagesVisible')).toEqual(
      expect.arrayContaining([{ 'Fn::GetAtt': ['DynamoDbForwarderDeadLetterQueue', 'QueueName'] }]),
    );
  });

  it('notifies the shared topic when an alarm fires and when it clears', () => {
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: 'NotifyTopic' }]);
      expect(alarm.OKActions).toEqual([{ Ref: 'NotifyTopic' }]);
    }
  });

  it('gives every delivery stream an error prefix and its own log group', () => {
    for (const [id] of resourcesOfType(template, 'AWS::KinesisFirehose::DeliveryStream')) {
      const destination = s3WritesOf(id);
      expect([id, typeof destination.ErrorOutputPrefix]).toEqual([id, 'string']);
      const logGroup = (destination.CloudWatchLoggingOptions as { LogGroupName: { Ref: string } })
        .LogGroupName.Ref;
      expect(resource(template, logGroup).Properties?.RetentionInDays).toEqual({ Ref: 'LogRetentionInDays' });
    }
  });
});
