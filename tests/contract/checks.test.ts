import {
  errorNameProblems,
  outputProblems,
  parameterProblems,
  resultPathProblems,
  unnotifiedFailures,
} from '../../offline/contracts';
import { errorName } from '../../offline/integrations';
import { ServiceStubs } from '../../offline/stubs';

/** A one-Task definition, so each check is shown to fail on the defect it exists for. */
const task = (resource: string, fields: Record<string, unknown>, after: Record<string, unknown> = {}) => ({
  StartAt: 'Task',
  States: {
    Task: { Type: 'Task', Resource: `arn:aws:states:::${resource}`, End: true, ...fields },
    ...after,
  },
});
const noFunctionErrors = () => new Set<string>();

describe('Step Functions error names', () => {
  it('adds the Exception suffix to a model error that lacks it, and names unmodelled errors after the SDK', () => {
    expect(errorName('aws-sdk:s3:getObject', 'NoSuchKey')).toBe('S3.NoSuchKeyException');
    expect(errorName('aws-sdk:s3:getObject', 'unmodelled')).toBe('S3.S3Exception');
    expect(errorName('dynamodb:putItem', 'RequestLimitExceeded')).toBe(
      'DynamoDB.RequestLimitExceededException',
    );
    expect(errorName('glue:startJobRun.sync', 'unmodelled')).toBe('Glue.AWSGlueException');
    expect(errorName('states:startExecution.sync:2', 'ExecutionLimitExceeded')).toBe(
      'StepFunctions.ExecutionLimitExceeded',
    );
  });

  it('refuses a name the integration never raises', () => {
    expect(() => errorName('glue:startJobRun.sync', 'ThrottlingException')).toThrow(/cannot surface/);
    expect(() => errorName('aws-sdk:redshiftdata:describeStatement', 'ThrottlingException')).toThrow(
      /cannot surface/,
    );
  });

  it('flags the retries the review found that could never match', () => {
    const retry = (resource: string, errors: string[]) =>
      errorNameProblems(task(resource, { Retry: [{ ErrorEquals: errors }] }), noFunctionErrors);

    expect(retry('dynamodb:updateItem', ['DynamoDB.RequestLimitExceeded'])).toHaveLength(1);
    expect(retry('aws-sdk:s3:getObject', ['S3.SlowDownException', 'S3.S3Exception'])).toHaveLength(1);
    expect(
      retry('aws-sdk:redshiftdata:describeStatement', ['RedshiftData.ThrottlingException']),
    ).toHaveLength(1);
    expect(retry('glue:startJobRun.sync', ['Glue.ThrottlingException'])).toHaveLength(1);
    expect(retry('sns:publish', ['SNS.ThrottledException'])).toHaveLength(1);
    expect(retry('glue:startJobRun.sync', ['Glue.AWSGlueException', 'States.TaskFailed'])).toEqual([]);
  });

  it('lets a harness stub fail only with a name that can occur', () => {
    const stubs = new ServiceStubs();
    expect(() => stubs.on('aws-sdk:s3:getObject').rejects('SlowDown')).toThrow(/cannot surface/);
    expect(() => stubs.on('sns:publish').rejects('States.Throttled')).toThrow(
      /not an error of the States Language/,
    );
  });
});

describe('Task parameters against the input shape', () => {
  it('flags an unknown member, a missing required one and an enum value the API does not have', () => {
    const problems = parameterProblems(
      task('aws-sdk:s3:getObject', { Parameters: { Bucket: 'b', Keys: 'k', ChecksumMode: 'ON' } }),
    );

    expect(problems.join('\n')).toMatch(/\.Keys: not a member of GetObjectRequest/);
    expect(problems.join('\n')).toMatch(/\.Key: required by GetObjectRequest but absent/);
    expect(problems.join('\n')).toMatch(/"ON" is not one of ChecksumMode's values ENABLED/);
  });

  it('accepts paths for values and Pascal-cased members of camelCase APIs', () => {
    expect(
      parameterProblems(
        task('aws-sdk:apigateway:getApiKey', { Parameters: { 'ApiKey.$': '$.id', IncludeValue: false } }),
      ),
    ).toEqual([]);
  });
});

describe('paths read from service results', () => {
  it('flags a ResultSelector reading a member AWS may omit', () => {
    const problems = resultPathProblems(
      task('athena:getQueryResults', {
        Parameters: { QueryExecutionId: 'q' },
        ResultSelector: { 'next.$': '$.NextToken' },
      }),
    );
    expect(problems).toEqual([expect.stringMatching(/reads \$\.NextToken, but NextToken is optional/)]);
  });

  it('flags a later state reading an optional member unless an IsPresent check guards it', () => {
    const getItem = (choice: Record<string, unknown>) =>
      task(
        'dynamodb:getItem',
        { Parameters: { TableName: 't', Key: {} }, ResultPath: '$.claim', End: undefined, Next: 'Check' },
        {
          Check: { Type: 'Choice', Choices: [{ ...choice, Next: 'Done' }], Default: 'Done' },
          Done: { Type: 'Succeed' },
        },
      );

    expect(
      resultPathProblems(getItem({ Variable: '$.claim.Item.status.S', StringEquals: 'DONE' })),
    ).toHaveLength(3);
    expect(
      resultPathProblems(
        getItem({
          And: [
            { Variable: '$.claim.Item.status.S', IsPresent: true },
            { Variable: '$.claim.Item.status.S', StringEquals: 'DONE' },
          ],
        }),
      ),
    ).toEqual([]);
  });
});

describe('paths read through a ResultSelector that keeps part of the result', () => {
  it('follows the kept part into later states', () => {
    const definition = task(
      'aws-sdk:glue:getCrawler',
      {
        Parameters: { Name: 'c' },
        ResultSelector: { 'crawler.$': '$.Crawler' },
        ResultPath: '$.latest',
        End: undefined,
        Next: 'Check',
      },
      {
        Check: {
          Type: 'Choice',
          Choices: [{ Variable: '$.latest.crawler.LastCrawl.StartTime', IsPresent: false, Next: 'Done' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    );
    // LastCrawl is optional and nothing proves it present before StartTime is read.
    const reads = {
      Type: 'Choice',
      Default: 'Done',
      Choices: [
        {
          Variable: '$.latest.crawler.LastCrawl.StartTime',
          TimestampGreaterThan: '2026-01-01T00:00:00Z',
          Next: 'Done',
        },
      ],
    };

    expect(resultPathProblems({ ...definition, States: { ...definition.States, Check: reads } })).toEqual([
      expect.stringMatching(/LastCrawl is optional/),
      expect.stringMatching(/StartTime is optional/),
    ]);
    expect(resultPathProblems(definition)).toEqual([]);
  });
});

describe('stub answers against the output shape', () => {
  it('flags a state AWS never reports and a member it never sends', () => {
    expect(outputProblems('glue:startJobRun.sync', { Id: 'jr', JobRunState: 'DONE' })).toEqual([
      expect.stringMatching(/"DONE" is not one of JobRunState's values/),
    ]);
    expect(outputProblems('dynamodb:getItem', { Items: [] })).toEqual([
      expect.stringMatching(/Items: not a member of GetItemOutput/),
    ]);
  });
});

describe('notices on the way to a failure', () => {
  it('flags a Catch that goes straight to Fail, and passes one that notifies first', () => {
    const failsQuietly = task(
      'glue:startJobRun.sync',
      {
        Parameters: { JobName: 'j' },
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
      },
      { Failed: { Type: 'Fail', Error: 'Job.Failed' } },
    );
    const notifies = task(
      'glue:startJobRun.sync',
      {
        Parameters: { JobName: 'j' },
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Notify' }],
      },
      {
        Notify: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', Next: 'Failed' },
        Failed: { Type: 'Fail', Error: 'Job.Failed' },
      },
    );

    expect(unnotifiedFailures(failsQuietly)).toEqual(['Task → Failed fails without a notice']);
    expect(unnotifiedFailures(notifies)).toEqual([]);
  });
});
