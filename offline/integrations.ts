import {
  capitalize,
  modelledErrors,
  operation,
  type ServiceModel,
  type ShapeRef,
  serviceModel,
} from './service-models';

/**
 * What a Task's Resource calls, as Step Functions documents it: which API operation, how its
 * fields are named, which errors can surface and under which names, and what IAM the state
 * machine's role needs. Every fact here has its page in docs/aws-contracts.md.
 */

const DOCS = 'https://docs.aws.amazon.com/step-functions/latest/dg';

/**
 * aws-sdk integrations: the service name in the Resource → botocore's model and the exception
 * prefix from the "Supported AWS SDK service integrations" table (${DOCS}/supported-services-awssdk.html),
 * and the service's IAM action prefix (Service Authorization Reference).
 */
const AWS_SDK_SERVICES: Record<string, { botocore: string; prefix: string; iam: string }> = {
  apigateway: { botocore: 'apigateway', prefix: 'ApiGateway', iam: 'apigateway' },
  athena: { botocore: 'athena', prefix: 'Athena', iam: 'athena' },
  cloudformation: { botocore: 'cloudformation', prefix: 'CloudFormation', iam: 'cloudformation' },
  cloudwatch: { botocore: 'cloudwatch', prefix: 'CloudWatch', iam: 'cloudwatch' },
  cloudwatchlogs: { botocore: 'logs', prefix: 'CloudWatchLogs', iam: 'logs' },
  dynamodb: { botocore: 'dynamodb', prefix: 'DynamoDb', iam: 'dynamodb' },
  firehose: { botocore: 'firehose', prefix: 'Firehose', iam: 'firehose' },
  glue: { botocore: 'glue', prefix: 'Glue', iam: 'glue' },
  lambda: { botocore: 'lambda', prefix: 'Lambda', iam: 'lambda' },
  redshiftdata: { botocore: 'redshift-data', prefix: 'RedshiftData', iam: 'redshift-data' },
  s3: { botocore: 's3', prefix: 'S3', iam: 's3' },
  sfn: { botocore: 'stepfunctions', prefix: 'Sfn', iam: 'states' },
  sns: { botocore: 'sns', prefix: 'Sns', iam: 'sns' },
};

/**
 * IAM actions whose names differ from the API operation's
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html:
 * ListObjectsV2 and HeadObject are authorized as s3:ListBucket and s3:GetObject;
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html:
 * API Gateway's management API is authorized by HTTP verb on the resource path).
 */
const ACTION_EXCEPTIONS: Record<string, string[]> = {
  's3:ListObjectsV2': ['s3:ListBucket'],
  's3:HeadObject': ['s3:GetObject'],
  // Multipart uploads are authorized as s3:PutObject, their abort on its own (same page).
  's3:CreateMultipartUpload': ['s3:PutObject'],
  's3:UploadPart': ['s3:PutObject'],
  's3:CompleteMultipartUpload': ['s3:PutObject'],
  'apigateway:GetUsagePlanKeys': ['apigateway:GET'],
  'apigateway:GetApiKey': ['apigateway:GET'],
};

/** The IAM actions that authorize an API call (`s3:ListObjectsV2` → `s3:ListBucket`). */
export function iamActionsFor(iamPrefix: string, operationName: string): string[] {
  const key = `${iamPrefix}:${operationName}`;
  return ACTION_EXCEPTIONS[key] ?? [key];
}

export interface IamNeed {
  readonly actions: readonly string[];
  /** Which resource the action is on: a Parameters member holding its name/ARN, or a fixed ARN. */
  readonly resource:
    | { kind: 'parameter'; member: string; arn: (value: string) => string }
    | { kind: 'arn'; arn: string }
    | { kind: 'any'; why: string };
  readonly source: string;
}

export interface Integration {
  readonly resource: string;
  readonly model: ServiceModel;
  readonly operationName: string;
  /** Step Functions Pascal-cases members of APIs modelled in camelCase. */
  readonly pascalCase: boolean;
  readonly input: ShapeRef | undefined;
  /** The shape of the Task's raw result (a `.sync` result is the describing call's output). */
  readonly output: ShapeRef | undefined;
  /** Members whose value Step Functions takes as JSON (Lambda's Payload, an execution's Input). */
  readonly jsonMembers: readonly string[];
  /** The result wraps the model's output with members Step Functions adds. */
  readonly outputExtras: readonly string[];
  /** Every error name that can surface from this Task, beyond the `States.*` ones. */
  readonly errorNames: ReadonlySet<string>;
  /** The name of the service's catch-all exception: an error the model does not declare. */
  readonly unmodelledError: string;
  readonly prefix: string;
  readonly iam: readonly IamNeed[];
}

/**
 * `aws-sdk:` and optimized errors are `<Prefix>.<Name>` with the `Exception` suffix added where the
 * model's name lacks it (${DOCS}/supported-services-awssdk.html: "S3.BucketAlreadyExistsException").
 */
export function withExceptionSuffix(shapeName: string): string {
  return shapeName.endsWith('Exception') ? shapeName : `${shapeName}Exception`;
}

const region = 'eu-west-1';
const account = '123456789012';
const arnOf = {
  function: (name: string) =>
    name.startsWith('arn:')
      ? name.replace(/:(\$LATEST|\d+)$/, '')
      : `arn:aws:lambda:${region}:${account}:function:${name}`,
  glueJob: (name: string) => `arn:aws:glue:${region}:${account}:job/${name}`,
  table: (name: string) =>
    name.startsWith('arn:') ? name : `arn:aws:dynamodb:${region}:${account}:table/${name}`,
  bucket: (name: string) => `arn:aws:s3:::${name}`,
  topic: (arn: string) => arn,
  stateMachine: (arn: string) => arn,
  workgroup: (name: string) => `arn:aws:athena:${region}:${account}:workgroup/${name}`,
};

interface OptimizedSpec {
  readonly botocore: string;
  readonly operation: string;
  readonly prefix: string;
  /** Documented names that surface besides the modelled exceptions (e.g. the SDK's catch-all). */
  readonly extraErrors: readonly string[];
  readonly unmodelled: string;
  readonly output?: (model: ServiceModel) => ShapeRef | undefined;
  readonly jsonMembers?: readonly string[];
  readonly outputExtras?: readonly string[];
  readonly iam: readonly IamNeed[];
  /** Documented names spelt without the suffix (kept as the page spells them). */
  readonly verbatimErrors?: readonly string[];
}

const structureMember = (model: ServiceModel, shapeName: string, member: string): ShapeRef | undefined =>
  model.shapes[shapeName]?.members?.[member];

// ${DOCS}/connect-glue.html; throttles surface as Glue.AWSGlueException
// (https://repost.aws/knowledge-center/glue-throttling-rate-exceeded)
const GLUE_START_JOB_RUN: OptimizedSpec = {
  botocore: 'glue',
  operation: 'StartJobRun',
  prefix: 'Glue',
  extraErrors: ['Glue.AWSGlueException'],
  unmodelled: 'Glue.AWSGlueException',
  iam: [
    {
      actions: ['glue:StartJobRun'],
      resource: { kind: 'parameter', member: 'JobName', arn: arnOf.glueJob },
      source: `${DOCS}/glue-iam.html`,
    },
  ],
};

// ${DOCS}/stepfunctions-iam.html, ${DOCS}/concepts-nested-workflows.html ("StepFunctions.ExecutionLimitExceeded")
const START_EXECUTION: OptimizedSpec = {
  botocore: 'stepfunctions',
  operation: 'StartExecution',
  prefix: 'StepFunctions',
  extraErrors: ['StepFunctions.AWSStepFunctionsException'],
  verbatimErrors: ['ExecutionLimitExceeded'],
  unmodelled: 'StepFunctions.AWSStepFunctionsException',
  jsonMembers: ['Input'],
  iam: [
    {
      actions: ['states:StartExecution'],
      resource: { kind: 'parameter', member: 'StateMachineArn', arn: arnOf.stateMachine },
      source: `${DOCS}/stepfunctions-iam.html`,
    },
  ],
};

const OPTIMIZED: Record<string, OptimizedSpec> = {
  // ${DOCS}/connect-lambda.html, ${DOCS}/bp-lambda-serviceexception.html, ${DOCS}/lambda-iam.html
  'lambda:invoke': {
    botocore: 'lambda',
    operation: 'Invoke',
    prefix: 'Lambda',
    extraErrors: [
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.ClientExecutionTimeoutException',
    ],
    unmodelled: 'Lambda.AWSLambdaException',
    jsonMembers: ['Payload'],
    outputExtras: ['SdkHttpMetadata', 'SdkResponseMetadata'],
    iam: [
      {
        actions: ['lambda:InvokeFunction'],
        resource: { kind: 'parameter', member: 'FunctionName', arn: arnOf.function },
        source: `${DOCS}/lambda-iam.html`,
      },
    ],
  },
  'glue:startJobRun': GLUE_START_JOB_RUN,
  'glue:startJobRun.sync': {
    ...GLUE_START_JOB_RUN,
    output: (model) => structureMember(model, 'GetJobRunResponse', 'JobRun'),
    iam: [
      {
        actions: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'],
        resource: { kind: 'parameter', member: 'JobName', arn: arnOf.glueJob },
        source: `${DOCS}/glue-iam.html`,
      },
    ],
  },
  // ${DOCS}/connect-athena.html, ${DOCS}/athena-iam.html
  'athena:startQueryExecution.sync': {
    botocore: 'athena',
    operation: 'StartQueryExecution',
    prefix: 'Athena',
    extraErrors: ['Athena.AmazonAthenaException'],
    unmodelled: 'Athena.AmazonAthenaException',
    output: (model) => operationOutput(model, 'GetQueryExecution'),
    iam: [
      {
        actions: ['athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution'],
        resource: { kind: 'parameter', member: 'WorkGroup', arn: arnOf.workgroup },
        source: `${DOCS}/athena-iam.html`,
      },
    ],
  },
  'athena:getQueryResults': {
    botocore: 'athena',
    operation: 'GetQueryResults',
    prefix: 'Athena',
    extraErrors: ['Athena.AmazonAthenaException'],
    unmodelled: 'Athena.AmazonAthenaException',
    iam: [
      {
        actions: ['athena:GetQueryResults'],
        resource: {
          kind: 'any',
          why: 'the query execution id names no workgroup; see the workgroup statement',
        },
        source: `${DOCS}/athena-iam.html`,
      },
    ],
  },
  // ${DOCS}/connect-sns.html, ${DOCS}/sns-iam.html
  'sns:publish': {
    botocore: 'sns',
    operation: 'Publish',
    prefix: 'SNS',
    extraErrors: ['SNS.AmazonSNSException'],
    unmodelled: 'SNS.AmazonSNSException',
    jsonMembers: ['Message'],
    iam: [
      {
        actions: ['sns:Publish'],
        resource: { kind: 'parameter', member: 'TopicArn', arn: arnOf.topic },
        source: `${DOCS}/sns-iam.html`,
      },
    ],
  },
  'states:startExecution': START_EXECUTION,
  'states:startExecution.sync:2': {
    ...START_EXECUTION,
    output: (model) => operationOutput(model, 'DescribeExecution'),
    iam: [
      ...START_EXECUTION.iam,
      {
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resource: {
          kind: 'parameter',
          member: 'StateMachineArn',
          arn: (sm) => `${sm.replace(':stateMachine:', ':execution:')}:*`,
        },
        source: `${DOCS}/stepfunctions-iam.html`,
      },
      {
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resource: {
          kind: 'arn',
          arn: `arn:aws:events:${region}:${account}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`,
        },
        source: `${DOCS}/stepfunctions-iam.html`,
      },
    ],
  },
};

// ${DOCS}/connect-ddb.html, ${DOCS}/dynamo-iam.html; the SDK's catch-all is named in AWS's
// example "DynamoDB.AmazonDynamoDBException" (${DOCS}/synchronous-execution.html).
for (const op of ['getItem', 'putItem', 'updateItem', 'deleteItem']) {
  OPTIMIZED[`dynamodb:${op}`] = {
    botocore: 'dynamodb',
    operation: capitalize(op),
    prefix: 'DynamoDB',
    extraErrors: ['DynamoDB.AmazonDynamoDBException'],
    unmodelled: 'DynamoDB.AmazonDynamoDBException',
    iam: [
      {
        actions: [`dynamodb:${capitalize(op)}`],
        resource: { kind: 'parameter', member: 'TableName', arn: arnOf.table },
        source: `${DOCS}/dynamo-iam.html`,
      },
    ],
  };
}

function operationOutput(model: ServiceModel, name: string): ShapeRef | undefined {
  return operation(model, name).output;
}

const cache = new Map<string, Integration>();

/** The integration behind a Task's Resource (`arn:aws:states:::…`). */
export function integration(resourceArn: string): Integration {
  const key = resourceArn.replace(/^arn:aws:states:::/, '');
  const cached = cache.get(key);
  if (cached) return cached;
  const built = key.startsWith('aws-sdk:') ? awsSdkIntegration(key) : optimizedIntegration(key);
  cache.set(key, built);
  return built;
}

function optimizedIntegration(key: string): Integration {
  const spec = OPTIMIZED[key];
  if (!spec)
    throw new Error(
      `No contract known for the optimized integration ${key}: add it to offline/integrations.ts`,
    );
  const model = serviceModel(spec.botocore);
  const op = operation(model, spec.operation);
  const modelled = modelledErrors(model, spec.operation).map((shape) =>
    spec.verbatimErrors?.includes(shape)
      ? `${spec.prefix}.${shape}`
      : `${spec.prefix}.${withExceptionSuffix(shape)}`,
  );
  return {
    resource: key,
    model,
    operationName: op.name,
    pascalCase: true,
    input: op.input,
    output: spec.output ? spec.output(model) : op.output,
    jsonMembers: spec.jsonMembers ?? [],
    outputExtras: spec.outputExtras ?? [],
    errorNames: new Set([...modelled, ...spec.extraErrors]),
    unmodelledError: spec.unmodelled,
    prefix: spec.prefix,
    iam: spec.iam,
  };
}

function awsSdkIntegration(key: string): Integration {
  const [, serviceName, apiAction] = key.split(':') as [string, string, string];
  const service = AWS_SDK_SERVICES[serviceName];
  if (!service)
    throw new Error(`No exception prefix known for aws-sdk:${serviceName}: add it from the docs' table`);
  const model = serviceModel(service.botocore);
  const op = operation(model, apiAction);
  // Unmodelled errors (throttling, 5xx) surface as the SDK's service exception, `S3.S3Exception`.
  const unmodelled = `${service.prefix}.${service.prefix}Exception`;
  return {
    resource: key,
    model,
    operationName: op.name,
    pascalCase: true,
    input: op.input,
    output: op.output,
    jsonMembers: [],
    outputExtras: [],
    errorNames: new Set([
      ...modelledErrors(model, op.name).map((shape) => `${service.prefix}.${withExceptionSuffix(shape)}`),
      unmodelled,
    ]),
    unmodelledError: unmodelled,
    prefix: service.prefix,
    iam: [
      {
        actions: iamActionsFor(service.iam, op.name),
        resource: { kind: 'any', why: 'checked per statement by the IAM contract test' },
        source: `${DOCS}/supported-services-awssdk.html`,
      },
    ],
  };
}

/**
 * The name Step Functions gives a service error of this Task: a model exception shape
 * (`ConditionalCheckFailedException`, `NoSuchKey`), or `unmodelled` for the catch-all.
 * Throws for a name that cannot occur, so no test can script an error AWS never raises.
 */
export function errorName(resourceArn: string, exception: string): string {
  const target = integration(resourceArn);
  const name =
    exception === 'unmodelled'
      ? target.unmodelledError
      : exception.includes('.')
        ? exception
        : target.errorNames.has(`${target.prefix}.${exception}`)
          ? `${target.prefix}.${exception}`
          : `${target.prefix}.${withExceptionSuffix(exception)}`;
  if (!target.errorNames.has(name))
    throw new Error(
      `${name} cannot surface from ${target.resource}; it raises ${[...target.errorNames].sort().join(', ')}`,
    );
  return name;
}

/** Errors of the States Language itself (https://states-language.net/spec.html#appendix-a, ${DOCS}/concepts-error-handling.html). */
export const STATES_ERRORS = new Set([
  'States.ALL',
  'States.DataLimitExceeded',
  'States.ExceedToleratedFailureThreshold',
  'States.HeartbeatTimeout',
  'States.Http.Socket',
  'States.IntrinsicFailure',
  'States.ItemReaderFailed',
  'States.NoChoiceMatched',
  'States.ParameterPathFailure',
  'States.Permissions',
  'States.ResultPathMatchFailure',
  'States.ResultWriterFailed',
  'States.Runtime',
  'States.TaskFailed',
  'States.Timeout',
  'States.QueryEvaluationError',
]);
