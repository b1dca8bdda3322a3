import { evaluate } from '../../offline/conditions';
import { type Json, loadTemplate, resource } from '../../offline/template';

const template = loadTemplate();
const props = (id: string) => resource(template, id).Properties as Record<string, Json>;

describe('catalog-then-ETL resources', () => {
  it('starts on a schedule, hourly by default, with the scheduled time as input', () => {
    const events = props('CatalogThenEtlStateMachine').Events as Record<
      string,
      { Type: string; Properties: Record<string, Json> }
    >;

    expect(events.Scheduled?.Type).toBe('ScheduleV2');
    expect(evaluate(template, events.Scheduled?.Properties.ScheduleExpression as Json, {})).toBe(
      'cron(20 * * * ? *)',
    );
    expect(JSON.parse(String(events.Scheduled?.Properties.Input))).toEqual({
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    expect(events.Scheduled?.Properties.DeadLetterConfig).toEqual({
      Arn: { 'Fn::GetAtt': ['CatalogEtlScheduleDeadLetterQueue', 'Arn'] },
    });
  });

  it('crawls clickstream/ only, new folders only, logging schema changes', () => {
    const crawler = props('ClickstreamRawCrawler');

    expect(crawler.Targets).toEqual({
      S3Targets: [{ Path: { 'Fn::Sub': 's3://${RawBucket}/clickstream/' } }],
    });
    expect(crawler.RecrawlPolicy).toEqual({ RecrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' });
    expect(crawler.SchemaChangePolicy).toEqual({ UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' });
  });

  it('projects the processed table partitions onto the paths the Glue job writes', () => {
    const table = (props('ClickstreamProcessedTable').TableInput ?? {}) as Record<string, Json>;
    const parameters = table.Parameters as Record<string, Json>;

    expect(parameters['projection.enabled']).toBe('true');
    // ${!dt} is Fn::Sub's escape for a literal ${dt}, which Athena fills in.
    expect(parameters['storage.location.template']).toEqual({
      'Fn::Sub': 's3://${RawBucket}/processed/clickstream/dt=${!dt}/hour=${!hour}/',
    });
    expect((table.PartitionKeys as { Name: string }[]).map((k) => k.Name)).toEqual(['dt', 'hour']);
    const job = props('ClickstreamToParquetJob');
    expect((job.DefaultArguments as Record<string, Json>)['--processed_uri']).toEqual({
      'Fn::Sub': 's3://${RawBucket}/processed/clickstream/',
    });
    expect(job.ExecutionProperty).toEqual({ MaxConcurrentRuns: 1 });
  });

  it('reports in a workgroup that enforces encrypted results and caps the bytes a query scans', () => {
    const configuration = props('ReportWorkGroup').WorkGroupConfiguration as Record<string, Json>;

    expect(configuration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: { Ref: 'ReportBytesScannedCutoff' },
      ResultConfiguration: {
        OutputLocation: { 'Fn::Sub': 's3://${AthenaResultsBucket}/reports/' },
        EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
      },
    });
  });
});

describe('records later than the catalog-then-ETL window', () => {
  it('alarm on the age the clickstream transform reports, past what the next scheduled run still lists', () => {
    const alarm = props('ClickstreamRecordsPastCatalogWindowAlarm');
    const [age, past] = alarm.Metrics as Record<string, Json>[];
    const stat =
      (age?.MetricStat as { Metric: { MetricName: string; Dimensions: Json[] }; Stat: string }) ?? {};

    // The metric the transform emits (functions/clickstream-transform/index.ts), its worst hour.
    expect(stat.Metric.MetricName).toBe('OldestRequestAgeHours');
    expect(stat.Metric.Dimensions).toContainEqual({ Name: 'Pipeline', Value: 'clickstream' });
    expect(stat.Stat).toBe('Maximum');
    // The next run (within the hour) lists hours up to LookbackHours - 2 old: older ones are missed.
    expect(past?.Expression).toEqual({ 'Fn::Sub': 'age - ${CatalogEtlLookbackHours} + 2' });
    expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(alarm.AlarmActions).toEqual([{ Ref: 'NotifyTopic' }]);
  });
});
