import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import type { Context } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { dispatchStep } from '../shared/errors';
import { identify, logger, publishesMetrics, tracer } from '../shared/powertools';
import { ddlStatements } from './ddl';
import { LoadValidationError } from './identifiers';
import { COUNTS_STATEMENT, type LoadRequest, loadStatements, parseLoadRequest } from './load';

const env = requireEnv(['LOAD_ROLE_ARN', 'LOAD_SCHEMAS']);
const LOAD_SCHEMAS = env.LOAD_SCHEMAS.split(',').map((s) => s.trim());
/** The versioned DDL never changes within a deployment: split once, at cold start. */
const DDL = ddlStatements();

type Step =
  | { step: 'prepare'; request: unknown }
  // DescribeTable's ColumnList as Step Functions passes it: SDK integration fields are capitalised.
  | { step: 'statements'; request: LoadRequest; columns: { Name?: string }[]; execution: string };

/**
 * The Redshift load workflow's SQL: `prepare` checks the request and returns the DDL of the
 * tables loglake owns; `statements` builds the load from the target's columns. It runs no SQL
 * itself: the workflow does, through the Redshift Data API.
 */
class RedshiftLoadFunction implements LambdaInterface {
  // The response (the load's SQL statements) stays out of the trace.
  @tracer.captureLambdaHandler({ captureResponse: false })
  @logger.injectLambdaContext({ resetKeys: true })
  @publishesMetrics()
  public async handler(event: Step, _context: Context) {
    identify({ step: typeof event?.step === 'string' ? event.step : undefined });
    return dispatchStep<Step, unknown>(event, {
      prepare: (e) => {
        const request = parseLoadRequest((e as Extract<Step, { step: 'prepare' }>).request, LOAD_SCHEMAS);
        identify({ loadId: request.loadId });
        logger.info('Prepared Redshift load', {
          loadId: request.loadId,
          table: request.table,
          source: request.source,
        });
        return { request, ddl: DDL };
      },
      statements: (e) => {
        const { request, columns: described, execution } = e as Extract<Step, { step: 'statements' }>;
        const columns = (described ?? []).map((c) => String(c.Name));
        if (columns.length === 0)
          throw new LoadValidationError(`${request?.table} has no columns (does it exist?)`);
        const sqls = loadStatements(request, columns, env.LOAD_ROLE_ARN, execution);
        return { sqls, countsStatement: COUNTS_STATEMENT + 1 };
      },
    });
  }
}

const instance = new RedshiftLoadFunction();
export const handler = instance.handler.bind(instance);
