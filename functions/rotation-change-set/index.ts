import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import {
  CloudFormationClient,
  DescribeChangeSetCommand,
  type DescribeChangeSetOutput,
} from '@aws-sdk/client-cloudformation';
import type { Context } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { logger, publishesMetrics, tracer } from '../shared/powertools';
import { checkRequest, type DescribedChangeSet, nestedChangeSetIds, rotationPlan } from './plan';

const env = requireEnv(['STACK_NAME']);
const cloudFormation = tracer.captureAWSv3Client(new CloudFormationClient({}));

/**
 * The key rotation's look at its change set before executing it: the root change set and each
 * nested one it points to, every page, classified into the key's own changes and anything else.
 */
class RotationChangeSetFunction implements LambdaInterface {
  @tracer.captureLambdaHandler()
  @logger.injectLambdaContext({ resetKeys: true })
  @publishesMetrics()
  public async handler(event: unknown, _context: Context) {
    const { changeSetName, slot } = checkRequest(event);
    const root = await describe(changeSetName, env.STACK_NAME);
    const nested = new Map<string, DescribedChangeSet>();
    // Only CREATE_COMPLETE change sets list their changes, nested ones included.
    if (root.Status === 'CREATE_COMPLETE')
      for (const id of nestedChangeSetIds(root)) nested.set(id, await describe(id));
    const plan = rotationPlan(root, nested, slot);
    logger.info('Read the rotation change set', {
      changeSetName,
      slot,
      status: plan.status,
      executionStatus: plan.executionStatus,
      noChanges: plan.noChanges,
      keyChanges: plan.keyChanges.length,
      foreignChanges: plan.foreignChanges.length,
      ...(plan.foreignChanges.length > 0 && { foreign: plan.foreignSummary }),
    });
    return plan;
  }
}

/** Every page of one change set (DescribeChangeSet pages its Changes with NextToken). */
async function describe(changeSetName: string, stackName?: string): Promise<DescribedChangeSet> {
  let first: DescribeChangeSetOutput | undefined;
  const changes: NonNullable<DescribeChangeSetOutput['Changes']> = [];
  let nextToken: string | undefined;
  do {
    const page = await cloudFormation.send(
      new DescribeChangeSetCommand({
        ChangeSetName: changeSetName,
        ...(stackName && { StackName: stackName }),
        ...(nextToken && { NextToken: nextToken }),
      }),
    );
    first ??= page;
    changes.push(...(page.Changes ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return { ...first, Changes: changes };
}

const instance = new RotationChangeSetFunction();
export const handler = instance.handler.bind(instance);
