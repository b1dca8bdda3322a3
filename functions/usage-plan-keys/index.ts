import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import { APIGatewayClient, paginateGetUsagePlanKeys } from '@aws-sdk/client-api-gateway';
import type { Context } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { logger, publishesMetrics, tracer } from '../shared/powertools';
import { checkRequest, type PlanKey, withoutValues } from './keys';

const env = requireEnv(['USAGE_PLAN_ID']);
const apiGateway = tracer.captureAWSv3Client(new APIGatewayClient({}));

/**
 * The key rotation's check of the usage plan: GetUsagePlanKeys answers with each key's value,
 * which would land in the execution history if the workflow called it itself. This answers with
 * ids and names only.
 */
class UsagePlanKeysFunction implements LambdaInterface {
  @tracer.captureLambdaHandler({ captureResponse: false })
  @logger.injectLambdaContext({ resetKeys: true })
  @publishesMetrics()
  public async handler(event: unknown, _context: Context) {
    checkRequest(event);
    const keys: PlanKey[] = [];
    for await (const page of paginateGetUsagePlanKeys(
      { client: apiGateway },
      { usagePlanId: env.USAGE_PLAN_ID },
    ))
      keys.push(...withoutValues(page.items ?? []));
    logger.info('Read usage plan keys', { usagePlanId: env.USAGE_PLAN_ID, count: keys.length });
    return { usagePlanId: env.USAGE_PLAN_ID, count: keys.length, keys };
  }
}

const instance = new UsagePlanKeysFunction();
export const handler = instance.handler.bind(instance);
