import type * as ApiGateway from '@aws-sdk/client-api-gateway';
import type * as Athena from '@aws-sdk/client-athena';
import type * as CloudFormation from '@aws-sdk/client-cloudformation';
import type * as CloudWatch from '@aws-sdk/client-cloudwatch';
import type * as DynamoDB from '@aws-sdk/client-dynamodb';
import type * as Glue from '@aws-sdk/client-glue';
import type * as Lambda from '@aws-sdk/client-lambda';
import type * as RedshiftData from '@aws-sdk/client-redshift-data';
import type * as S3 from '@aws-sdk/client-s3';
import type * as SFN from '@aws-sdk/client-sfn';
import type * as SNS from '@aws-sdk/client-sns';
import { outputProblems } from './contracts';
import { errorName, STATES_ERRORS } from './integrations';

/** What Step Functions hands a state: the SDK output without the SDK's `$metadata`. */
type Out<T> = Omit<T, '$metadata'>;
type Io<I, O> = { input: I; output: Out<O> };

/**
 * Every service integration a loglake workflow calls, keyed as the Task's Resource
 * after `arn:aws:states:::`, with the SDK v3 input and output types of that call.
 * A stub response of the wrong shape fails typecheck. Add a line when a workflow
 * starts using a new integration.
 */
export interface Integrations {
  'lambda:invoke': Io<Lambda.InvokeCommandInput, LambdaInvokeResult>;
  'glue:startJobRun': Io<Glue.StartJobRunCommandInput, Glue.StartJobRunCommandOutput>;
  'glue:startJobRun.sync': Io<Glue.StartJobRunCommandInput, Glue.JobRun>;
  'glue:startCrawler': Io<Glue.StartCrawlerCommandInput, Glue.StartCrawlerCommandOutput>;
  'aws-sdk:glue:startCrawler': Io<Glue.StartCrawlerCommandInput, Glue.StartCrawlerCommandOutput>;
  'aws-sdk:glue:getCrawler': Io<Glue.GetCrawlerCommandInput, Glue.GetCrawlerCommandOutput>;
  'aws-sdk:glue:getJobRun': Io<Glue.GetJobRunCommandInput, Glue.GetJobRunCommandOutput>;
  'athena:startQueryExecution.sync': Io<
    Athena.StartQueryExecutionCommandInput,
    Athena.GetQueryExecutionCommandOutput
  >;
  'athena:getQueryResults': Io<Athena.GetQueryResultsCommandInput, Athena.GetQueryResultsCommandOutput>;
  'aws-sdk:cloudwatch:putMetricData': Io<
    CloudWatch.PutMetricDataCommandInput,
    CloudWatch.PutMetricDataCommandOutput
  >;
  'sns:publish': Io<SNS.PublishCommandInput, SNS.PublishCommandOutput>;
  'dynamodb:putItem': Io<DynamoDB.PutItemCommandInput, DynamoDB.PutItemCommandOutput>;
  'dynamodb:getItem': Io<DynamoDB.GetItemCommandInput, DynamoDB.GetItemCommandOutput>;
  'dynamodb:updateItem': Io<DynamoDB.UpdateItemCommandInput, DynamoDB.UpdateItemCommandOutput>;
  'dynamodb:deleteItem': Io<DynamoDB.DeleteItemCommandInput, DynamoDB.DeleteItemCommandOutput>;
  // Step Functions returns a text object's Body as a string.
  'aws-sdk:s3:getObject': Io<
    S3.GetObjectCommandInput,
    Omit<S3.GetObjectCommandOutput, 'Body'> & { Body: string }
  >;
  'aws-sdk:s3:headObject': Io<S3.HeadObjectCommandInput, S3.HeadObjectCommandOutput>;
  'aws-sdk:s3:listObjectsV2': Io<S3.ListObjectsV2CommandInput, S3.ListObjectsV2CommandOutput>;
  'aws-sdk:s3:putObject': Io<S3.PutObjectCommandInput, S3.PutObjectCommandOutput>;
  'aws-sdk:redshiftdata:batchExecuteStatement': Io<
    RedshiftData.BatchExecuteStatementCommandInput,
    RedshiftData.BatchExecuteStatementCommandOutput
  >;
  'aws-sdk:redshiftdata:executeStatement': Io<
    RedshiftData.ExecuteStatementCommandInput,
    RedshiftData.ExecuteStatementCommandOutput
  >;
  'aws-sdk:redshiftdata:describeStatement': Io<
    RedshiftData.DescribeStatementCommandInput,
    RedshiftData.DescribeStatementCommandOutput
  >;
  'aws-sdk:redshiftdata:describeTable': Io<
    RedshiftData.DescribeTableCommandInput,
    RedshiftData.DescribeTableCommandOutput
  >;
  'aws-sdk:redshiftdata:getStatementResult': Io<
    RedshiftData.GetStatementResultCommandInput,
    RedshiftData.GetStatementResultCommandOutput
  >;
  'aws-sdk:cloudformation:describeStacks': Io<
    CloudFormation.DescribeStacksCommandInput,
    CloudFormation.DescribeStacksCommandOutput
  >;
  'aws-sdk:cloudformation:createChangeSet': Io<
    CloudFormation.CreateChangeSetCommandInput,
    CloudFormation.CreateChangeSetCommandOutput
  >;
  'aws-sdk:cloudformation:executeChangeSet': Io<
    CloudFormation.ExecuteChangeSetCommandInput,
    CloudFormation.ExecuteChangeSetCommandOutput
  >;
  'aws-sdk:cloudformation:deleteChangeSet': Io<
    CloudFormation.DeleteChangeSetCommandInput,
    CloudFormation.DeleteChangeSetCommandOutput
  >;
  'aws-sdk:cloudformation:describeStackEvents': Io<
    CloudFormation.DescribeStackEventsCommandInput,
    CloudFormation.DescribeStackEventsCommandOutput
  >;
  'aws-sdk:apigateway:getApiKey': Io<ApiGateway.GetApiKeyCommandInput, ApiGateway.GetApiKeyCommandOutput>;
  'aws-sdk:sfn:describeExecution': Io<SFN.DescribeExecutionCommandInput, SFN.DescribeExecutionCommandOutput>;
  'states:startExecution': Io<
    Omit<Capitalized<SFN.StartExecutionCommandInput>, 'Input'> & { Input?: unknown },
    Capitalized<SFN.StartExecutionCommandOutput>
  >;
  'states:startExecution.sync:2': Io<
    Omit<Capitalized<SFN.StartExecutionCommandInput>, 'Input'> & { Input?: unknown },
    SyncExecutionResult
  >;
}

/** `lambda:invoke` returns the function's JSON result as Payload, not bytes. */
export interface LambdaInvokeResult {
  $metadata?: never;
  ExecutedVersion: string;
  Payload: unknown;
  StatusCode: number;
  SdkHttpMetadata?: { HttpStatusCode: number };
  SdkResponseMetadata?: { RequestId: string };
}

/**
 * `startExecution.sync:2`: the child's DescribeExecution, field names capitalised as the
 * integration returns them (`ExecutionArn`, `Status`), with Output parsed as JSON.
 */
export type SyncExecutionResult = Capitalized<Omit<SFN.DescribeExecutionCommandOutput, 'output'>> & {
  Output?: unknown;
};

/** The SFN API names its fields in camelCase; its Step Functions integration capitalises them. */
type Capitalized<T> = { [K in keyof T as K extends '$metadata' ? never : Capitalize<K & string>]?: T[K] };

export type IntegrationKey = keyof Integrations;

export class TaskFailure extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }

  /**
   * A service error of a Task, named as Step Functions names it (offline/integrations.ts):
   * a model exception shape (`ConditionalCheckFailedException`, `NoSuchKey`), `unmodelled` for the
   * service's catch-all (throttling, 5xx), or a `States.*` error. A name AWS never raises throws.
   */
  static of(key: string, exception: string, cause = 'stubbed failure'): TaskFailure {
    if (exception.startsWith('States.')) {
      if (!STATES_ERRORS.has(exception))
        throw new Error(`${exception} is not an error of the States Language`);
      return new TaskFailure(exception, cause);
    }
    return new TaskFailure(errorName(key, exception), cause);
  }
}

type Response<K extends IntegrationKey> =
  | { kind: 'output'; output: Integrations[K]['output'] }
  | { kind: 'error'; error: TaskFailure }
  | {
      kind: 'fake';
      fake: (
        input: Integrations[K]['input'],
      ) => Integrations[K]['output'] | Promise<Integrations[K]['output']>;
    };

export interface RecordedCall<K extends IntegrationKey = IntegrationKey> {
  readonly key: string;
  readonly state: string;
  readonly input: Integrations[K]['input'];
}

export class IntegrationStub<K extends IntegrationKey> {
  private readonly queue: Response<K>[] = [];
  private fallback: Response<K> | undefined;

  constructor(private readonly key: K) {}

  /** Answer the next call with this output. */
  resolvesOnce(output: Integrations[K]['output']): this {
    this.queue.push({ kind: 'output', output });
    return this;
  }

  /** Answer every call (after the queued ones) with this output. */
  resolves(output: Integrations[K]['output']): this {
    this.fallback = { kind: 'output', output };
    return this;
  }

  /**
   * Fail the next call with the service's error, named as Step Functions names it (see
   * `TaskFailure.of`): `rejectsOnce('ConcurrentRunsExceededException')` on `glue:startJobRun.sync`
   * surfaces as `Glue.ConcurrentRunsExceededException`; `rejectsOnce('unmodelled')` as
   * `Glue.AWSGlueException`, the name throttling arrives under.
   */
  rejectsOnce(exception: string, cause = 'stubbed failure'): this {
    this.queue.push({ kind: 'error', error: TaskFailure.of(this.key, exception, cause) });
    return this;
  }

  rejects(exception: string, cause = 'stubbed failure'): this {
    this.fallback = { kind: 'error', error: TaskFailure.of(this.key, exception, cause) };
    return this;
  }

  /** `lambda:invoke` only: the function itself throws (its errorType is the Task's error). */
  functionFailsOnce(errorType: string, message = 'stubbed failure'): this {
    if (this.key !== 'lambda:invoke') throw new Error('functionFailsOnce is for lambda:invoke');
    this.queue.push({ kind: 'error', error: new TaskFailure(errorType, message) });
    return this;
  }

  /**
   * Compute the answer from the input (for outputs that echo parameters); it may be async
   * (the local demo answers with real engines).
   */
  callsFake(
    fake: (input: Integrations[K]['input']) => Integrations[K]['output'] | Promise<Integrations[K]['output']>,
  ): this {
    this.fallback = { kind: 'fake', fake };
    return this;
  }

  /** True when a scripted answer is waiting (used to pre-empt real Lambda handlers). */
  hasScriptedResponse(): boolean {
    return this.queue.length > 0 || this.fallback !== undefined;
  }

  async answer(input: Integrations[K]['input']): Promise<Integrations[K]['output']> {
    const response = this.queue.shift() ?? this.fallback;
    if (!response) throw new UnstubbedCallError(this.key);
    if (response.kind === 'error') throw response.error;
    const output = response.kind === 'fake' ? await response.fake(input) : response.output;
    // What crosses a state boundary is JSON: Dates become ISO strings, as in Step Functions.
    const answer = JSON.parse(JSON.stringify(output ?? {}));
    // AWS's output shape is the oracle, not the SDK's TypeScript types: a member AWS may omit is
    // optional there, and a member it never sends (or a wrong enum value) fails here.
    const problems = outputProblems(this.key, answer);
    if (problems.length > 0)
      throw new Error(
        `Stubbed ${this.key} answer is not a valid ${this.key} output:\n  ${problems.join('\n  ')}`,
      );
    return answer;
  }
}

export class UnstubbedCallError extends Error {
  override readonly name = 'Harness.UnstubbedCall';
  constructor(readonly key: string) {
    super(`No stubbed response for ${key}; script one with stubs.on('${key}')`);
  }
}

/** The scripted answers of one execution, and the calls it made. */
export class ServiceStubs {
  private readonly stubs = new Map<IntegrationKey, IntegrationStub<IntegrationKey>>();
  private readonly stateStubs = new Map<string, IntegrationStub<IntegrationKey>>();

  /**
   * Script the answers of one state's Task only, whatever it calls (a Lambda invoke, an SDK
   * integration): it takes precedence over `on(key)` while it has answers left.
   */
  onState<K extends IntegrationKey>(state: string, key: K): IntegrationStub<K> {
    let stub = this.stateStubs.get(state);
    if (!stub) {
      stub = new IntegrationStub(key) as unknown as IntegrationStub<IntegrationKey>;
      this.stateStubs.set(state, stub);
    }
    return stub as unknown as IntegrationStub<K>;
  }

  /** True when the state has a scripted answer waiting (the harness then skips the real call). */
  hasForState(state: string): boolean {
    return this.stateStubs.get(state)?.hasScriptedResponse() ?? false;
  }
  private readonly recorded: RecordedCall[] = [];
  readonly unstubbed: string[] = [];

  on<K extends IntegrationKey>(key: K): IntegrationStub<K> {
    let stub = this.stubs.get(key);
    if (!stub) {
      stub = new IntegrationStub(key) as unknown as IntegrationStub<IntegrationKey>;
      this.stubs.set(key, stub);
    }
    return stub as unknown as IntegrationStub<K>;
  }

  has(key: string): key is IntegrationKey {
    return this.stubs.get(key as IntegrationKey)?.hasScriptedResponse() ?? false;
  }

  /** Called by the harness for every Task that is not run in-process. */
  async call(key: string, state: string, input: unknown): Promise<unknown> {
    this.recorded.push({ key, state, input } as RecordedCall);
    const stub = this.hasForState(state) ? this.stateStubs.get(state) : this.stubs.get(key as IntegrationKey);
    if (!stub) {
      this.unstubbed.push(`${state} → ${key}`);
      throw new UnstubbedCallError(key);
    }
    try {
      return await stub.answer(input as never);
    } catch (error) {
      if (error instanceof UnstubbedCallError) this.unstubbed.push(`${state} → ${key}`);
      throw error;
    }
  }

  /** What the execution published to SNS, subject and message, in order. */
  notices(): string[] {
    return this.calls('sns:publish').map((c) => `${c.input.Subject}\n${c.input.Message}`);
  }

  /** Inputs the given integration received, in order, with the state that sent each. */
  calls<K extends IntegrationKey>(key: K): RecordedCall<K>[] {
    return this.recorded.filter((call) => call.key === key) as RecordedCall<K>[];
  }
}
