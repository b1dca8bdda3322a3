import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { APIGatewayClient, type GetUsagePlanKeysCommandOutput } from '@aws-sdk/client-api-gateway';
import {
  CloudFormationClient,
  type DescribeChangeSetCommandInput,
  type DescribeChangeSetCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, type ListMetricsCommandOutput } from '@aws-sdk/client-cloudwatch';
import type { _Record, PutRecordBatchCommandOutput } from '@aws-sdk/client-firehose';
import { functionEnvironment } from '../../offline/function-environment';
import { lambdaContext } from '../../offline/lambda-context';
import { fakeSubstitution } from '../../offline/substitutions';
import { builtFunctionDir, type Json, loadTemplate, resource } from '../../offline/template';
import { LocalObjectStore } from '../local/object-store';
import recordedChangeSets from '../local/rotation-change-sets.json';
import { cloudTrailSample } from '../local/samples';
import { installLocalAws } from '../local/sdk-patches';
import { digestOf } from './digest';

export interface FunctionInvocation {
  /** The handler's answer, or the error it threw. */
  outcome: { result: unknown } | { error: Error };
  /** What the function printed (its log lines and EMF metrics), as CloudWatch Logs would keep it. */
  printed: string[];
  /** A readable account of the answer and of the AWS calls answered locally. */
  digest: string[];
}

/**
 * Runs a function's **built** bundle (`sam build`'s output) once on an event, in this process,
 * with its environment from the templates and its AWS calls answered on this machine: S3 by a
 * folder, Firehose and API Gateway by recorders, CloudTrail by a sample of events ending now, CloudFormation change sets by recorded ones.
 */
export async function invokeFunction(
  logicalId: string,
  event: unknown,
  options: { storeRoot: string; write?: (text: string) => void },
): Promise<FunctionInvocation> {
  const fn = resource(loadTemplate(), logicalId);
  if (fn.Type !== 'AWS::Serverless::Function')
    throw new Error(`${logicalId} is not a function of the templates`);
  const bundle = join(builtFunctionDir(logicalId), 'index.js');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`make sam-build\` first`);

  const calls: string[] = [];
  const restore = installLocalAws({
    store: new LocalObjectStore(options.storeRoot),
    putRecords: async (stream: string, records: _Record[]) => {
      calls.push(`Firehose PutRecordBatch ${stream}: ${records.length} records (recorded, not delivered)`);
      return recordedPutRecordBatch(records);
    },
    trailEvents: cloudTrailSample(new Date(), 3),
  });
  const restoreApiGateway = answerLocally(APIGatewayClient, 'API Gateway', 'GetUsagePlanKeysCommand', () => {
    calls.push('API Gateway GetUsagePlanKeys: one local key, with its value');
    return localUsagePlanKeys();
  });
  const restoreCloudWatch = answerLocally(CloudWatchClient, 'CloudWatch', 'ListMetricsCommand', () => {
    calls.push('CloudWatch ListMetrics: no metrics (nothing has sent any here)');
    return localListMetrics();
  });
  const restoreCloudFormation = answerLocally(
    CloudFormationClient,
    'CloudFormation',
    'DescribeChangeSetCommand',
    (input) => {
      const name = String((input as DescribeChangeSetCommandInput).ChangeSetName);
      calls.push(
        `CloudFormation DescribeChangeSet ${name}: recorded (tools/local/rotation-change-sets.json)`,
      );
      return recordedChangeSet(name);
    },
  );

  // What the function prints goes to its log, here standard error: standard output is the answer's.
  const printed: string[] = [];
  const stdoutWrite = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    const text = String(chunk);
    printed.push(...text.split('\n').filter(Boolean));
    (options.write ?? ((t: string) => process.stderr.write(t)))(text);
    return true;
  }) as typeof process.stdout.write;
  const environment = { ...process.env };
  Object.assign(process.env, functionEnvironment(logicalId), {
    AWS_LAMBDA_FUNCTION_NAME: functionName(logicalId),
  });
  try {
    const { handler } = require(bundle) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
    const timeoutMs = Number(fn.Properties?.Timeout ?? 60) * 1000;
    const outcome = await handler(event, lambdaContext(functionName(logicalId), timeoutMs)).then(
      (result) => ({ result }),
      (error: Error) => ({ error }),
    );
    const digest = 'result' in outcome ? [...digestOf(outcome.result, printed), ...calls] : calls;
    return { outcome, printed, digest };
  } finally {
    process.stdout.write = stdoutWrite;
    process.env = environment;
    restoreApiGateway();
    restoreCloudWatch();
    restoreCloudFormation();
    restore();
  }
}

/** The function's name as deployed (loglake-<stage>-…), with the stage's default. */
function functionName(logicalId: string): string {
  return fakeSubstitution(
    loadTemplate(),
    resource(loadTemplate(), logicalId).Properties?.FunctionName as Json,
  );
}

/** Firehose's answer when it accepted every record (the recorder keeps them, delivers none). */
export function recordedPutRecordBatch(records: readonly _Record[]): PutRecordBatchCommandOutput {
  return {
    FailedPutCount: 0,
    Encrypted: false,
    RequestResponses: records.map((_, i) => ({ RecordId: `local-${i}` })),
    $metadata: {},
  };
}

/**
 * Answers one command of a client on its prototype until the returned function restores it;
 * any other command of that client fails by name.
 */
function answerLocally(
  client: { prototype: { send: unknown } },
  service: string,
  commandName: string,
  answer: (input: unknown) => unknown,
): () => void {
  const original = client.prototype.send;
  client.prototype.send = async (command: { constructor: { name: string }; input?: unknown }) => {
    if (command.constructor.name !== commandName)
      throw new Error(`local ${service} does not answer ${command.constructor.name}`);
    return answer(command.input);
  };
  return () => {
    client.prototype.send = original;
  };
}

/**
 * A recorded change set (a root one by its name, a nested one by its id), as DescribeChangeSet
 * answers it; any other name is not found, as CloudFormation says (ChangeSetNotFoundException).
 */
export function recordedChangeSet(name: string): DescribeChangeSetCommandOutput {
  for (const [key, recorded] of Object.entries(recordedChangeSets)) {
    if (key === 'about') continue;
    const { root, nested } = recorded as { root: { ChangeSetName: string }; nested: Record<string, object> };
    const found = root.ChangeSetName === name ? root : nested[name];
    if (found) return { ...(found as DescribeChangeSetCommandOutput), $metadata: {} };
  }
  throw Object.assign(new Error(`ChangeSet [${name}] does not exist`), {
    name: 'ChangeSetNotFoundException',
  });
}

/** The local CloudWatch holds no metric: ListMetrics answers an empty list. */
export function localListMetrics(): ListMetricsCommandOutput {
  return { Metrics: [], $metadata: {} };
}

/** A usage plan holding one key, with its value, as GetUsagePlanKeys answers (the function must drop it). */
export function localUsagePlanKeys(): GetUsagePlanKeysCommandOutput {
  return {
    items: [
      {
        id: 'local-key-id',
        name: 'loglake-local-clickstream-initial',
        type: 'API_KEY',
        value: 'local-key-value',
      },
    ],
    $metadata: {},
  };
}
