import {
  checkRequest,
  type DescribedChange,
  nestedChangeSetIds,
  RotationChangeSetRequestError,
  rotationPlan,
} from '../../../functions/rotation-change-set/plan';

/** Rotating slot A (ClickstreamApiKey): its key and usage plan key are the key's own. */
const planOfSlotA = (root: Parameters<typeof rotationPlan>[0], nested: Parameters<typeof rotationPlan>[1]) =>
  rotationPlan(root, nested, 'A');

const NESTED =
  'arn:aws:cloudformation:eu-west-1:123456789012:changeSet/loglake-test-IngestionApiPipeline-1/abc';
const change = (
  LogicalResourceId: string,
  ResourceType: string,
  extra: Record<string, string> = {},
): DescribedChange => ({
  ResourceChange: { Action: 'Modify', LogicalResourceId, ResourceType, Replacement: 'True', ...extra },
});
const apiStack = change('IngestionApiPipeline', 'AWS::CloudFormation::Stack', {
  ChangeSetId: NESTED,
  Replacement: 'False',
});
const keyChanges = [
  change('ClickstreamApiKey', 'AWS::ApiGateway::ApiKey'),
  change('ClickstreamUsagePlanKey', 'AWS::ApiGateway::UsagePlanKey'),
];
const ready = (Changes: DescribedChange[]) => ({
  Status: 'CREATE_COMPLETE',
  ExecutionStatus: 'AVAILABLE',
  Changes,
});

describe('rotationPlan', () => {
  it("finds the key's own changes alone in the API stack's nested change set", () => {
    const plan = planOfSlotA(ready([apiStack]), new Map([[NESTED, ready(keyChanges)]]));

    expect(plan.keyChanges.map((c) => c.resource)).toEqual([
      'IngestionApiPipeline/ClickstreamApiKey',
      'IngestionApiPipeline/ClickstreamUsagePlanKey',
    ]);
    expect(plan.foreignChanges).toEqual([]);
    expect(plan).toMatchObject({ status: 'CREATE_COMPLETE', executionStatus: 'AVAILABLE', noChanges: false });
  });

  it('calls everything else foreign: another resource of the API stack, another stack, a root resource', () => {
    const plan = planOfSlotA(
      ready([
        apiStack,
        change('CatalogThenEtlPipeline', 'AWS::CloudFormation::Stack'),
        change('RawBucket', 'AWS::S3::Bucket'),
      ]),
      new Map([
        [
          NESTED,
          ready([
            ...keyChanges,
            change('ClickstreamApi', 'AWS::ApiGateway::RestApi', { Replacement: 'False' }),
          ]),
        ],
      ]),
    );

    expect(plan.foreignChanges.map((c) => c.resource)).toEqual([
      'IngestionApiPipeline/ClickstreamApi',
      'CatalogThenEtlPipeline',
      'RawBucket',
    ]);
    expect(plan.foreignSummary).toBe(
      'IngestionApiPipeline/ClickstreamApi (AWS::ApiGateway::RestApi: Modify), CatalogThenEtlPipeline (AWS::CloudFormation::Stack: Modify, replaced), RawBucket (AWS::S3::Bucket: Modify, replaced)',
    );
  });

  it("calls the other slot's key foreign: it is the key clients still use", () => {
    const slotB = [
      change('ClickstreamApiKeyB', 'AWS::ApiGateway::ApiKey'),
      change('ClickstreamUsagePlanKeyB', 'AWS::ApiGateway::UsagePlanKey'),
    ];
    const nested = new Map([[NESTED, ready([...keyChanges, ...slotB])]]);

    expect(rotationPlan(ready([apiStack]), nested, 'A').foreignChanges.map((c) => c.resource)).toEqual([
      'IngestionApiPipeline/ClickstreamApiKeyB',
      'IngestionApiPipeline/ClickstreamUsagePlanKeyB',
    ]);
    expect(rotationPlan(ready([apiStack]), nested, 'B').foreignChanges.map((c) => c.resource)).toEqual([
      'IngestionApiPipeline/ClickstreamApiKey',
      'IngestionApiPipeline/ClickstreamUsagePlanKey',
    ]);
  });

  it("behind CloudFront, also takes the slot's secret and the distribution's in-place header update, never its replacement", () => {
    const behindCloudFront = [
      ...keyChanges,
      change('ClickstreamApiKeySecret', 'AWS::SecretsManager::Secret'),
      change('ClickstreamApiDistribution', 'AWS::CloudFront::Distribution', { Replacement: 'False' }),
    ];
    const plan = planOfSlotA(ready([apiStack]), new Map([[NESTED, ready(behindCloudFront)]]));

    expect(plan.keyChanges.map((c) => c.resource)).toEqual([
      'IngestionApiPipeline/ClickstreamApiKey',
      'IngestionApiPipeline/ClickstreamUsagePlanKey',
      'IngestionApiPipeline/ClickstreamApiKeySecret',
      'IngestionApiPipeline/ClickstreamApiDistribution',
    ]);
    expect(plan.foreignChanges).toEqual([]);

    const replacingTheDistribution = planOfSlotA(
      ready([apiStack]),
      new Map([
        [
          NESTED,
          ready([
            ...keyChanges,
            change('ClickstreamApiKeySecretB', 'AWS::SecretsManager::Secret'),
            change('ClickstreamApiDistribution', 'AWS::CloudFront::Distribution'),
          ]),
        ],
      ]),
    );
    // The other slot's secret holds the key clients' previous key; a new distribution a new address.
    expect(replacingTheDistribution.foreignChanges.map((c) => c.resource)).toEqual([
      'IngestionApiPipeline/ClickstreamApiKeySecretB',
      'IngestionApiPipeline/ClickstreamApiDistribution',
    ]);
  });

  it('calls a key-named resource of another type, or in another stack, foreign', () => {
    const plan = planOfSlotA(
      ready([apiStack, change('ClickstreamApiKey', 'AWS::ApiGateway::ApiKey')]),
      new Map([[NESTED, ready([change('ClickstreamApiKey', 'AWS::SSM::Parameter')])]]),
    );

    expect(plan.keyChanges).toEqual([]);
    expect(plan.foreignChanges.map((c) => c.resource)).toEqual([
      'IngestionApiPipeline/ClickstreamApiKey',
      'ClickstreamApiKey',
    ]);
  });

  it('calls the API stack foreign when its nested change set is not known, since its changes cannot be checked', () => {
    const plan = planOfSlotA(ready([apiStack]), new Map());

    expect(plan.foreignChanges.map((c) => c.resource)).toEqual(['IngestionApiPipeline']);
  });

  it('recognises an empty change set by the reasons AWS gives, and only those', () => {
    const failed = (StatusReason: string) =>
      planOfSlotA({ Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE', StatusReason }, new Map());

    expect(
      failed(
        "The submitted information didn't contain changes. Submit different information to create a change set.",
      ).noChanges,
    ).toBe(true);
    expect(failed('No updates are to be performed.').noChanges).toBe(true);
    expect(failed('Parameter Timestamp failed to satisfy constraint').noChanges).toBe(false);
  });

  it('shows ten offending resources and counts the rest', () => {
    const many = Array.from({ length: 13 }, (_, i) =>
      change(`Thing${i}`, 'AWS::SQS::Queue', { Replacement: 'False' }),
    );
    expect(planOfSlotA(ready(many), new Map()).foreignSummary).toMatch(
      /Thing9 \(AWS::SQS::Queue: Modify\), and 3 more$/,
    );
  });
});

describe('nestedChangeSetIds', () => {
  it('lists the nested stacks’ change sets only', () => {
    expect(nestedChangeSetIds(ready([apiStack, ...keyChanges]))).toEqual([NESTED]);
  });
});

describe('checkRequest', () => {
  it.each([
    [null],
    [{}],
    [{ changeSetName: '1-starts-with-a-digit' }],
    [{ changeSetName: 'has space' }],
    ['x'],
  ])('refuses %j by name', (event) => {
    expect(() => checkRequest(event)).toThrow(RotationChangeSetRequestError);
  });

  it('takes a change set name and a slot', () => {
    expect(checkRequest({ changeSetName: 'loglake-rotate-2026-11-22T134500Z', slot: 'B' })).toEqual({
      changeSetName: 'loglake-rotate-2026-11-22T134500Z',
      slot: 'B',
    });
  });
});
