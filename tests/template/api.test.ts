import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate } from '../../offline/conditions';
import { REPO_ROOT } from '../../offline/fixtures';
import { type Json, loadTemplate, nestedStackOf, resource, resourcesOfType } from '../../offline/template';
import { runMappingTemplate } from '../support/mapping-template';

const template = loadTemplate();
const props = (id: string) => resource(template, id).Properties as Record<string, Json>;
const api = props('ClickstreamApi').DefinitionBody as Record<string, Json>;
const post = (api.paths as Record<string, Record<string, Record<string, Json>>>)['/events']?.post as Record<
  string,
  Json
>;
const integration = post['x-amazon-apigateway-integration'] as Record<string, Json>;

/**
 * Every resource whose properties refer, directly or through another resource, to `name`. A
 * resource updated in place keeps its id, so what refers to it does not change with it.
 */
function dependentsOf(name: string, updatedInPlace: readonly string[] = []): string[] {
  const refersTo = (value: Json, target: string): boolean => {
    if (typeof value === 'string') return false;
    if (Array.isArray(value)) return value.some((v) => refersTo(v, target));
    if (value === null || typeof value !== 'object') return false;
    if ('Ref' in value && value.Ref === target) return true;
    if ('Fn::GetAtt' in value && (value['Fn::GetAtt'] as Json[])[0] === target) return true;
    // A condition that tests the parameter: the If's choice follows it.
    if ('Fn::If' in value && refersTo({ Condition: (value['Fn::If'] as Json[])[0] as Json }, target))
      return true;
    if ('Condition' in value && typeof value.Condition === 'string')
      return refersTo(template.Conditions?.[value.Condition] ?? null, target);
    if ('Fn::Sub' in value) {
      const [text, vars] = (
        typeof value['Fn::Sub'] === 'string' ? [value['Fn::Sub'], {}] : value['Fn::Sub']
      ) as [string, Json];
      if (new RegExp(`\\$\\{${target}(\\.[A-Za-z]+)?\\}`).test(text)) return true;
      return refersTo(vars, target);
    }
    return Object.values(value).some((v) => refersTo(v, target));
  };
  const found = new Set<string>();
  let frontier = [name];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const [id, res] of Object.entries(template.Resources)) {
      if (!found.has(id) && frontier.some((target) => refersTo((res.Properties ?? {}) as Json, target))) {
        found.add(id);
        if (!updatedInPlace.includes(id)) next.push(id);
      }
    }
    frontier = next;
  }
  return [...found].sort();
}

describe('clickstream API', () => {
  it('requires an API key (and a SigV4 signature too, when signed requests are on), and validates the body against the log-lines model', () => {
    expect(evaluate(template, post.security as Json, {})).toEqual([{ api_key: [] }]);
    // One requirement object with both schemes: API Gateway asks for the key and the signature together.
    expect(evaluate(template, post.security as Json, { ApiRequiresSignedRequests: 'true' })).toEqual([
      { api_key: [], sigv4: [] },
    ]);
    expect((api.components as { securitySchemes: Record<string, Json> }).securitySchemes.sigv4).toEqual({
      type: 'apiKey',
      name: 'Authorization',
      in: 'header',
      'x-amazon-apigateway-authtype': 'awsSigv4',
    });
    expect(post['x-amazon-apigateway-request-validator']).toBe('body');
    const schemas = (api.components as { schemas: Record<string, Json> }).schemas;
    expect(schemas.LogLines).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: 500,
      items: { type: 'string', maxLength: 8192 },
    });
  });

  it('puts the lines straight into the clickstream stream, through a role that may do only that', () => {
    expect(integration).toMatchObject({
      type: 'aws',
      uri: { 'Fn::Sub': 'arn:${AWS::Partition}:apigateway:${AWS::Region}:firehose:action/PutRecordBatch' },
      credentials: { 'Fn::GetAtt': ['ClickstreamApiFirehoseRole', 'Arn'] },
      passthroughBehavior: 'never',
    });
    const [policy] = props('ClickstreamApiFirehoseRole').Policies as {
      PolicyDocument: { Statement: Json[] };
    }[];
    expect(policy?.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'firehose:PutRecordBatch',
        Resource: { 'Fn::GetAtt': ['ClickstreamDeliveryStream', 'Arn'] },
      },
    ]);
  });

  it('turns a JSON array of lines into one Firehose record per line', () => {
    const lines = JSON.parse(
      readFileSync(join(REPO_ROOT, 'events/clickstream-api/lines.json'), 'utf8'),
    ) as string[];
    const templates = integration.requestTemplates as Record<string, Json>;

    const request = JSON.parse(
      runMappingTemplate(templates['application/json'] as Json, JSON.stringify(lines)),
    );

    expect(request).toEqual({
      DeliveryStreamName: 'loglake-test-ClickstreamDeliveryStream',
      Records: lines.map((line) => ({ Data: Buffer.from(line).toString('base64') })),
    });
    expect(request.Records).toHaveLength(3);
  });

  it('packs newline-delimited text into one record, for Firehose to split into lines', () => {
    const body = readFileSync(join(REPO_ROOT, 'events/clickstream-api/lines.txt'), 'utf8');
    const templates = integration.requestTemplates as Record<string, Json>;

    const request = JSON.parse(runMappingTemplate(templates['text/plain'] as Json, body));

    expect(request.Records).toEqual([{ Data: Buffer.from(body).toString('base64') }]);
  });

  it('refuses a text body of more than 500 lines whole (Firehose splits at most 500 a record)', () => {
    const templates = integration.requestTemplates as Record<string, Json>;
    const line = '10.0.0.7 - - [22/Nov/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 2326';
    const at = (n: number) =>
      JSON.parse(runMappingTemplate(templates['text/plain'] as Json, `${Array(n).fill(line).join('\n')}\n`));

    expect(at(500).Records).toHaveLength(1);
    // An empty batch: Firehose answers 400, so the client keeps its lines and splits them.
    expect(at(501).Records).toEqual([]);
  });

  it('answers 503 with the positions to retry when Firehose refuses some records', () => {
    const responses = integration.responses as Record<
      string,
      { statusCode: string; responseTemplates: Record<string, Json> }
    >;
    const context = { responseOverride: {} as Record<string, unknown> };
    const firehose = {
      FailedPutCount: 1,
      RequestResponses: [
        { RecordId: 'r0' },
        { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' },
        { RecordId: 'r2' },
      ],
    };

    const answer = runMappingTemplate(
      responses.default?.responseTemplates['application/json'] as Json,
      JSON.stringify(firehose),
      context,
    );

    expect(JSON.parse(answer)).toEqual({ records: 3, failed: 1, retry: [1] });
    expect(context.responseOverride.status).toBe(503);
    const allGood = { responseOverride: {} as Record<string, unknown> };
    runMappingTemplate(
      responses.default?.responseTemplates['application/json'] as Json,
      JSON.stringify({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r0' }] }),
      allGood,
    );
    expect(allGood.responseOverride.status).toBeUndefined();
    expect(responses['4\\d{2}']?.statusCode).toBe('400');
    expect(responses['5\\d{2}']?.statusCode).toBe('503');
  });

  it('logs every request of the stage to its own log group, in JSON', () => {
    const access = props('ClickstreamApi').AccessLogSetting as { DestinationArn: Json; Format: string };

    // Whoever owns the account's logging role, the stage logs to its own group.
    const logGroupArn = evaluate(template, { 'Fn::GetAtt': ['ClickstreamApiAccessLogGroup', 'Arn'] }, {});
    for (const owner of ['true', 'false'])
      expect(evaluate(template, access.DestinationArn, { ConfigureApiGatewayAccount: owner })).toBe(
        logGroupArn,
      );
    expect(JSON.parse(access.Format)).toMatchObject({
      requestId: '$context.requestId',
      apiKeyId: '$context.identity.apiKeyId',
      status: '$context.status',
    });
  });
});

describe('API key rotation by Timestamp', () => {
  it('names the key after the Timestamp parameter, so a new Timestamp replaces it', () => {
    expect(props('ClickstreamApiKey').Name).toEqual({
      'Fn::Sub': '${AWS::StackName}-clickstream-${Timestamp}',
    });
  });

  it('attaches the key to the usage plan through a usage plan key that references it', () => {
    expect(props('ClickstreamUsagePlanKey')).toEqual({
      KeyId: { Ref: 'ClickstreamApiKey' },
      KeyType: 'API_KEY',
      UsagePlanId: { Ref: 'ClickstreamUsagePlan' },
    });
  });

  it("lets a rotation change nothing but one slot's key, its usage plan key, its secret and CloudFront's header", () => {
    // The distribution's origin header changes in place (its Id, which the rotation role names, stays).
    const inPlace = ['ClickstreamApiDistribution'];
    expect(dependentsOf('Timestamp', inPlace)).toEqual([
      'ClickstreamApiDistribution',
      'ClickstreamApiKey',
      'ClickstreamApiKeySecret',
      'ClickstreamUsagePlanKey',
    ]);
    expect(dependentsOf('TimestampB', inPlace)).toEqual([
      'ClickstreamApiDistribution',
      'ClickstreamApiKeyB',
      'ClickstreamApiKeySecretB',
      'ClickstreamUsagePlanKeyB',
    ]);
    // Which slot is newest changes the outputs and the header CloudFront sends, nothing else.
    expect(dependentsOf('ApiKeyNewestSlot', inPlace)).toEqual(['ClickstreamApiDistribution']);
  });

  it('has a second key slot on the same usage plan, named after its own timestamp', () => {
    expect(props('ClickstreamApiKeyB').Name).toEqual({
      'Fn::Sub': '${AWS::StackName}-clickstream-${TimestampB}',
    });
    expect(props('ClickstreamUsagePlanKeyB')).toEqual({
      KeyId: { Ref: 'ClickstreamApiKeyB' },
      KeyType: 'API_KEY',
      UsagePlanId: { Ref: 'ClickstreamUsagePlan' },
    });
  });

  it('guards every stateful resource with the stack policy', () => {
    const policy = JSON.parse(readFileSync(join(REPO_ROOT, 'stack-policy.json'), 'utf8')) as {
      Statement: { Effect: string; Action: string[]; Resource: string[] }[];
    };
    const denied = policy.Statement.find((s) => s.Effect === 'Deny');
    const stateful = [
      'AWS::S3::Bucket',
      'AWS::DynamoDB::Table',
      'AWS::RedshiftServerless::Namespace',
    ].flatMap((type) => resourcesOfType(template, type).map(([id]) => `LogicalResourceId/${id}`));

    expect(denied?.Action).toEqual(['Update:Replace', 'Update:Delete']);
    expect([...(denied?.Resource ?? [])].sort()).toEqual(stateful.sort());
    // The policy is set on the root stack (README), by logical id: the stateful resources live there.
    expect(stateful.filter((id) => nestedStackOf(id.replace('LogicalResourceId/', '')))).toEqual([]);
  });

  it('outputs the newest and the previous key ids and nothing else about the keys (CloudFormation cannot read their values)', () => {
    const aboutTheKey = Object.entries(template.Outputs ?? {}).filter(([, output]) =>
      JSON.stringify(output.Value).includes('ClickstreamApiKey'),
    );

    const newestIsB = { ApiKeyNewestSlot: 'B' };
    expect(aboutTheKey.map(([name]) => name)).toEqual(['ClickstreamApiKeyId', 'ClickstreamPreviousApiKeyId']);
    const [newest, previous] = aboutTheKey.map(([, output]) => output.Value as Json);
    expect([evaluate(template, newest as Json, {}), evaluate(template, previous as Json, {})]).toEqual([
      'loglake-test-ClickstreamApiKey',
      'loglake-test-ClickstreamApiKeyB',
    ]);
    expect([
      evaluate(template, newest as Json, newestIsB),
      evaluate(template, previous as Json, newestIsB),
    ]).toEqual(['loglake-test-ClickstreamApiKeyB', 'loglake-test-ClickstreamApiKey']);
  });

  it('gives signed-request clients a policy to invoke POST /events of this stage only, and only when asked', () => {
    expect(resource(template, 'ClickstreamApiClientPolicy').Condition).toBe('RequireSignedRequests');
    const [statement] = (
      props('ClickstreamApiClientPolicy').PolicyDocument as { Statement: Record<string, Json>[] }
    ).Statement;
    expect(statement?.Action).toBe('execute-api:Invoke');
    expect(evaluate(template, statement?.Resource as Json, { ApiRequiresSignedRequests: 'true' })).toBe(
      'arn:aws:execute-api:eu-west-1:123456789012:loglake-test-ClickstreamApi/v1/POST/events',
    );
  });
});
