import { evaluate, isCreated } from '../../offline/conditions';
import { type Json, loadTemplate, resource, resourcesOfType } from '../../offline/template';

const template = loadTemplate();
const props = (id: string) => resource(template, id).Properties as Record<string, Json>;

describe('cloudtrail timeseries schedule', () => {
  it('collects every hour a few minutes past it, retrying and dead-lettering what it cannot deliver', () => {
    const events = props('CloudTrailTimeseriesFunction').Events as Record<
      string,
      { Type: string; Properties: Record<string, Json> }
    >;

    expect(events.Hourly).toEqual({
      Type: 'ScheduleV2',
      Properties: expect.objectContaining({
        ScheduleExpression: 'cron(5 * * * ? *)',
        ScheduleExpressionTimezone: 'UTC',
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3000 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['TimeseriesScheduleDeadLetterQueue', 'Arn'] } },
      }),
    });
  });

  it('lets the function write only the timeseries prefixes and list only under them', () => {
    const policy = (props('CloudTrailTimeseriesFunction').Policies as { Statement?: Json[] }[]).find(
      (p) => p.Statement,
    );

    expect(policy?.Statement).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: [
            { 'Fn::Sub': '${RawBucket.Arn}/timeseries/*' },
            { 'Fn::Sub': '${RawBucket.Arn}/timeseries-aggregated/*' },
          ],
        },
        expect.objectContaining({
          Action: 's3:ListBucket',
          Condition: { StringLike: { 's3:prefix': 'timeseries/*' } },
        }),
      ]),
    );
  });
});

describe('cloudtrail anomaly alarms', () => {
  const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(
    ([id]) => id.startsWith('CloudTrail') && id.endsWith('AnomalyAlarm'),
  );

  it('watch the Calls series the function emits, inside a band whose width is a parameter', () => {
    for (const [, alarm] of alarms) {
      const [calls, band] = (alarm.Properties?.Metrics ?? []) as {
        MetricStat?: { Metric: { Dimensions: Json[] } };
        Expression?: Json;
      }[];
      expect(band?.Expression).toEqual({ 'Fn::Sub': 'ANOMALY_DETECTION_BAND(calls, ${AnomalyBandWidth})' });
      expect(calls?.MetricStat?.Metric.Dimensions.slice(0, 3)).toEqual([
        { Name: 'service', Value: 'loglake' },
        { Name: 'Pipeline', Value: 'cloudtrail' },
        { Name: 'Service', Value: { Ref: 'TimeseriesService' } },
      ]);
      expect(alarm.Properties).toMatchObject({
        ThresholdMetricId: 'band',
        ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
        AlarmActions: [{ Ref: 'NotifyTopic' }],
      });
    }
  });

  it.each([
    [['Decrypt'], ['Decrypt']],
    [
      ['Decrypt', 'GenerateDataKey', 'Encrypt'],
      ['Decrypt', 'GenerateDataKey', 'Encrypt'],
    ],
    [[''], []],
  ])('alarm on the total and on each event name of AnomalyAlarmEventNames=%j', (names, expected) => {
    const parameters = { AnomalyAlarmEventNames: names };
    const created = alarms.filter(([id]) => isCreated(template, id, parameters));
    const perName = created
      .map(
        ([, a]) =>
          (
            (a.Properties?.Metrics ?? []) as {
              MetricStat?: { Metric: { Dimensions: { Name: string; Value: Json }[] } };
            }[]
          )[0],
      )
      .map((m) => m?.MetricStat?.Metric.Dimensions.find((d) => d.Name === 'EventName')?.Value)
      .filter((v) => v !== undefined)
      .map((v) => evaluate(template, v as Json, parameters));

    expect(created.map(([id]) => id)).toContain('CloudTrailCallsAnomalyAlarm');
    expect(perName).toEqual(expected);
  });
});
