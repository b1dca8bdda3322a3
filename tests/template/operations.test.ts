import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../offline/fixtures';
import {
  type Json,
  loadTemplate,
  nestedStackOf,
  parseTemplate,
  resourcesOfType,
} from '../../offline/template';

const template = loadTemplate();
const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(
  ([id, r]) => [id, (r.Properties ?? {}) as Record<string, Json>] as const,
);
const mentions = (value: Json | undefined, text: string) => JSON.stringify(value ?? null).includes(text);
const stateMachines = resourcesOfType(template, 'AWS::Serverless::StateMachine').map(
  ([id, r]) =>
    [
      id,
      String((r.Properties?.Name as { 'Fn::Sub': string } | undefined)?.['Fn::Sub']).replace(
        'loglake-${Stage}-',
        '',
      ),
    ] as const,
);

describe('alarms', () => {
  it('notify the shared topic on firing and on clearing', () => {
    for (const [id, props] of alarms) {
      expect([id, props.AlarmActions, props.OKActions]).toEqual([
        id,
        [{ Ref: 'NotifyTopic' }],
        [{ Ref: 'NotifyTopic' }],
      ]);
    }
  });

  it.each(stateMachines)('watch %s for failed, timed-out and aborted executions', (_id, name) => {
    const alarm = alarms.find(([, p]) =>
      mentions(p.Metrics as Json, `stateMachine:loglake-\${Stage}-${name}"`),
    );

    expect(alarm).toBeDefined();
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'])
      expect(mentions(alarm?.[1].Metrics as Json, metric)).toBe(true);
  });

  it.each(resourcesOfType(template, 'AWS::Serverless::Function').map(([id]) => id))(
    'watch %s for errors and throttles',
    (id) => {
      const watched = alarms
        .filter(([, p]) => JSON.stringify(p.Dimensions ?? []).includes(`{"Ref":"${id}"}`))
        .map(([, p]) => p.MetricName);

      expect(watched.sort()).toEqual(['Errors', 'Throttles']);
    },
  );

  it.each(['clickstream', 'cloudwatch-logs'])(
    'fire when too many %s records fail the transform',
    (pipeline) => {
      const alarm = alarms.find(
        ([id]) =>
          id.endsWith('ProcessingFailedRatioAlarm') &&
          mentions(alarms.find(([i]) => i === id)?.[1].Metrics as Json, `"Value":"${pipeline}"`),
      );

      expect(alarm?.[1]).toMatchObject({
        Threshold: { Ref: 'ProcessingFailedRatioThreshold' },
        ComparisonOperator: 'GreaterThanThreshold',
      });
      expect(JSON.stringify(alarm?.[1].Metrics)).toContain(
        'FILL(failed, 0) / (FILL(ok, 0) + FILL(dropped, 0) + FILL(failed, 0) + 1)',
      );
    },
  );

  it('fire when the raw zone goes quiet, counting no data as quiet', () => {
    const stale = alarms.find(([id]) => id === 'StaleRawZoneAlarm')?.[1];

    expect(stale).toMatchObject({
      MetricName: 'DeliveryToS3.Records',
      EvaluationPeriods: { Ref: 'StaleRawZoneHours' },
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('are named by one scheme, loglake-<stage>-<component>-<what happened>, in kebab case', () => {
    const names = alarms.map(([, a]) => {
      const sub = (a.AlarmName as { 'Fn::Sub': string | [string, unknown] })['Fn::Sub'];
      return Array.isArray(sub) ? sub[0] : sub;
    });

    expect(names.filter((name) => !/^loglake-\$\{Stage\}(-(\$\{\w+\}|[a-z0-9]+))+$/.test(name))).toEqual([]);
    const whole = alarms.map(([, a]) => JSON.stringify(a.AlarmName));
    expect(new Set(whole).size).toBe(whole.length);
  });

  it('watch every dead-letter queue', () => {
    for (const [queue] of resourcesOfType(template, 'AWS::SQS::Queue')) {
      expect([queue, alarms.some(([, p]) => mentions(p, `"${queue}","QueueName"`))]).toEqual([queue, true]);
    }
  });
});

describe('pipeline dashboards', () => {
  const dashboards = resourcesOfType(template, 'AWS::CloudWatch::Dashboard').map(([id, d]) => {
    const sub = (key: string) =>
      String(
        // !Sub text, or [text, variables]
        [
          (d.Properties?.[key] as { 'Fn::Sub'?: string | [string, unknown] } | undefined)?.['Fn::Sub'],
        ].flat()[0],
      );
    const [body, name] = [sub('DashboardBody'), sub('DashboardName')];
    const widgets = (JSON.parse(body) as { widgets: { properties: { metrics: Json[][] } }[] }).widgets;
    return {
      id,
      stack: nestedStackOf(id),
      name,
      body,
      metrics: widgets.flatMap((w) => w.properties.metrics),
    };
  });
  const root = parseTemplate(readFileSync(join(REPO_ROOT, 'template.yaml'), 'utf8'));
  const pipelines = resourcesOfType(root, 'AWS::Serverless::Application').map(([id, app]) => [
    id,
    String(app.Properties?.Location).replace(/^stacks\/(.*)\.yaml$/, '$1'),
  ]);
  const dashboardOf = (logicalId: string) => dashboards.find((d) => d.stack === nestedStackOf(logicalId));

  it.each(pipelines)('one per pipeline stack, in it: %s has loglake-<stage>-%s', (application, file) => {
    expect(dashboards.filter((d) => d.stack === application).map((d) => d.name)).toEqual([
      `loglake-\${Stage}-${file}`,
    ]);
  });

  it('show each delivery stream, workflow and Glue job on the dashboard of the stack that holds it', () => {
    // By reference, or by its name (a conditional stream cannot be referenced when absent).
    for (const [stream, resource] of resourcesOfType(template, 'AWS::KinesisFirehose::DeliveryStream')) {
      const name = (resource.Properties?.DeliveryStreamName as { 'Fn::Sub'?: string } | undefined)?.[
        'Fn::Sub'
      ];
      const body = dashboardOf(stream)?.body ?? '';
      expect([
        stream,
        body.includes(`\${${stream}}`) || (name !== undefined && body.includes(`"${name}"`)),
      ]).toEqual([stream, true]);
    }
    for (const [id, name] of stateMachines)
      expect([id, dashboardOf(id)?.body.includes(`stateMachine:loglake-\${Stage}-${name}"`)]).toEqual([
        id,
        true,
      ]);
    for (const [id, job] of resourcesOfType(template, 'AWS::Glue::Job')) {
      const jobName = (job.Properties?.Name as { 'Fn::Sub'?: string } | undefined)?.['Fn::Sub'];
      expect([id, dashboardOf(id)?.body.includes(`"${jobName}"`)]).toEqual([id, true]);
    }
  });

  it('show the transform outcomes, the loads, the audit rows and the CloudTrail calls', () => {
    expect(dashboards.flatMap((d) => d.metrics.map((m) => m[1]))).toEqual(
      expect.arrayContaining([
        'RecordsProcessingFailed',
        'RowsLoaded',
        'AuditRowsCopied',
        'Calls',
        'ExecutionsFailed',
      ]),
    );
  });
});
