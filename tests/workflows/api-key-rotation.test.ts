import { APIGatewayClient, GetUsagePlanKeysCommand } from '@aws-sdk/client-api-gateway';
import {
  type Change,
  CloudFormationClient,
  DescribeChangeSetCommand,
  type DescribeChangeSetOutput,
  type StackEvent,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { loadEvent } from '../../offline/fixtures';
import { runStateMachine } from '../../offline/harness';
import { ServiceStubs } from '../../offline/stubs';
import { nestedStackId, nestedStackOf } from '../../offline/template';
import { trackStateCoverage } from '../support/state-coverage';

const MACHINE = 'ApiKeyRotationStateMachine';
trackStateCoverage(MACHINE);

/** API Gateway as UsagePlanKeysFunction (run in-process by the harness) sees it: keys with values. */
const apiGateway = mockClient(APIGatewayClient);
const planHolds = (items: { id: string; name: string; value?: string }[]) =>
  apiGateway
    .on(GetUsagePlanKeysCommand)
    .resolves({ items: items.map((i) => ({ type: 'API_KEY', value: 'secret-value', ...i })) });

const scheduled = loadEvent('api-key-rotation', 'scheduled');
const manual = loadEvent('api-key-rotation', 'manual');
const STACK = 'loglake-test';
/** Before a rotation: the newest key in slot A, the previous one in slot B; the rotation replaces B. */
const OLD_KEY = 'a1b2c3d4e5';
const OLDER_KEY = 'k1l2m3n4o5';
const NEW_KEY = 'f6g7h8i9j0';
const parametersWith = (
  newestSlot: 'A' | 'B',
  timestamps: [string, string] = ['2026-10-23T134500Z', '2026-09-23T134500Z'],
) =>
  ['Stage', 'LogLevel', 'Timestamp', 'TimestampB', 'ApiKeyNewestSlot', 'ApiKeyRotationSchedule'].map(
    (ParameterKey) => ({
      ParameterKey,
      ParameterValue:
        (
          { Timestamp: timestamps[0], TimestampB: timestamps[1], ApiKeyNewestSlot: newestSlot } as Record<
            string,
            string
          >
        )[ParameterKey] ?? 'unchanged',
    }),
  );
const PARAMETERS = parametersWith('A');

/** The ClientRequestToken the execution gave its change set's execution: CloudFormation tags that update's events with it. */
const tokenOf = (stubs: ServiceStubs) =>
  String(stubs.calls('aws-sdk:cloudformation:executeChangeSet')[0]?.input.ClientRequestToken);
const TOKEN = expect.stringMatching(/^rotate-[0-9a-f-]{36}$/);

const stack = (
  StackStatus: StackStatus,
  keyId = OLD_KEY,
  previousKeyId = OLDER_KEY,
  parameters = PARAMETERS,
) => ({
  Stacks: [
    {
      StackName: STACK,
      StackStatus,
      CreationTime: new Date('2026-10-01T00:00:00Z'),
      Parameters: parameters,
      Outputs: [
        {
          OutputKey: 'ClickstreamApiUrl',
          OutputValue: 'https://abc.execute-api.eu-west-1.amazonaws.com/v1/events',
        },
        { OutputKey: 'ClickstreamApiKeyId', OutputValue: keyId },
        { OutputKey: 'ClickstreamPreviousApiKeyId', OutputValue: previousKeyId },
      ],
    },
  ],
});
const OLD_KEY_NAME = `${STACK}-clickstream-2026-10-23T134500Z`;

/** CloudFormation as RotationChangeSetFunction (run in-process by the harness) reads the change sets. */
const cloudFormation = mockClient(CloudFormationClient);
const CHANGE_SET = 'loglake-rotate-2026-11-22T134500Z';
const NESTED_CHANGE_SET = `arn:aws:cloudformation:eu-west-1:123456789012:changeSet/${STACK}-IngestionApiPipeline-1/abc`;
const change = (
  LogicalResourceId: string,
  ResourceType: string,
  extra: Partial<NonNullable<Change['ResourceChange']>> = {},
): Change => ({
  Type: 'Resource',
  ResourceChange: { Action: 'Modify', LogicalResourceId, ResourceType, Replacement: 'True', ...extra },
});
/** The replaced slot's (B's, on a good day) key and usage plan key. */
const KEY_CHANGES = [
  change('ClickstreamApiKeyB', 'AWS::ApiGateway::ApiKey'),
  change('ClickstreamUsagePlanKeyB', 'AWS::ApiGateway::UsagePlanKey'),
];
/** The root change set (its status, and the nested API stack's change pointing to its own), and the nested one's changes. */
function changeSets(
  root: Partial<DescribeChangeSetOutput>[],
  nested: Change[] = KEY_CHANGES,
  rootChanges: Change[] = [
    change('IngestionApiPipeline', 'AWS::CloudFormation::Stack', {
      ChangeSetId: NESTED_CHANGE_SET,
      Replacement: 'False',
    }),
  ],
) {
  cloudFormation.reset();
  let answer = 0;
  cloudFormation.on(DescribeChangeSetCommand).callsFake(({ ChangeSetName }) => {
    if (ChangeSetName === NESTED_CHANGE_SET)
      return {
        ChangeSetName: 'nested',
        Status: 'CREATE_COMPLETE',
        ExecutionStatus: 'AVAILABLE',
        Changes: nested,
      };
    const state = root[Math.min(answer++, root.length - 1)] ?? {};
    return {
      ChangeSetName,
      StackName: STACK,
      Changes: state.Status === 'CREATE_COMPLETE' ? rootChanges : [],
      ...state,
    };
  });
}
const CREATING = { Status: 'CREATE_IN_PROGRESS' as const, ExecutionStatus: 'UNAVAILABLE' as const };
const READY = { Status: 'CREATE_COMPLETE' as const, ExecutionStatus: 'AVAILABLE' as const };
const EMPTY = {
  Status: 'FAILED' as const,
  ExecutionStatus: 'UNAVAILABLE' as const,
  StatusReason:
    "The submitted information didn't contain changes. Submit different information to create a change set.",
};

/** A rotation on a good day: the stack is ready, the change set holds the key's changes only, the update completes, the plan holds the new key. */
function goodDay(keyName = `${STACK}-clickstream-2026-11-22T134500Z`): ServiceStubs {
  const stubs = new ServiceStubs();
  changeSets([CREATING, READY]);
  stubs.on('aws-sdk:cloudformation:createChangeSet').resolves({
    Id: `arn:aws:cloudformation:eu-west-1:123456789012:changeSet/${CHANGE_SET}/1`,
    StackId: 'x',
  });
  stubs.on('aws-sdk:cloudformation:executeChangeSet').resolves({});
  stubs.on('aws-sdk:cloudformation:deleteChangeSet').resolves({});
  stubs.onState('Describe stack', 'aws-sdk:cloudformation:describeStacks').resolves(stack('UPDATE_COMPLETE'));
  stubs
    .onState('Check update', 'aws-sdk:cloudformation:describeStacks')
    .resolvesOnce(stack('UPDATE_IN_PROGRESS'))
    .resolvesOnce(stack('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', NEW_KEY, OLD_KEY))
    .resolves(stack('UPDATE_COMPLETE', NEW_KEY, OLD_KEY));
  apiGateway.reset();
  planHolds([
    { id: OLD_KEY, name: OLD_KEY_NAME },
    { id: NEW_KEY, name: keyName },
  ]);
  stubs
    .on('aws-sdk:apigateway:getApiKey')
    .rejects('NotFoundException', 'Invalid API Key identifier specified');
  stubs.on('sns:publish').resolves({ MessageId: 'd4e5f6a7-0000-4000-8000-000000000000' });
  return stubs;
}

describe('API key rotation workflow', () => {
  it('changes only Timestamp through a change set of the key alone, executes it, waits, verifies the plan holds exactly the new key, and notifies its id', async () => {
    const stubs = goodDay();

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(stubs.calls('aws-sdk:cloudformation:createChangeSet')[0]?.input).toEqual({
      StackName: STACK,
      ChangeSetName: CHANGE_SET,
      ChangeSetType: 'UPDATE',
      UsePreviousTemplate: true,
      Parameters: [
        { ParameterKey: 'Stage', UsePreviousValue: true },
        { ParameterKey: 'LogLevel', UsePreviousValue: true },
        { ParameterKey: 'Timestamp', UsePreviousValue: true },
        { ParameterKey: 'TimestampB', ParameterValue: '2026-11-22T134500Z' },
        { ParameterKey: 'ApiKeyNewestSlot', ParameterValue: 'B' },
        { ParameterKey: 'ApiKeyRotationSchedule', UsePreviousValue: true },
      ],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
      IncludeNestedStacks: true,
      ClientToken: TOKEN,
      Description: expect.stringMatching(/^API key rotation to Timestamp 2026-11-22T134500Z by /),
    });
    // Read while CloudFormation creates it, then the root and the API stack's nested change set.
    expect(
      cloudFormation.commandCalls(DescribeChangeSetCommand).map((c) => c.args[0].input.ChangeSetName),
    ).toEqual([CHANGE_SET, CHANGE_SET, NESTED_CHANGE_SET]);
    expect(stubs.calls('aws-sdk:cloudformation:executeChangeSet')[0]?.input).toEqual({
      StackName: STACK,
      ChangeSetName: CHANGE_SET,
      ClientRequestToken: stubs.calls('aws-sdk:cloudformation:createChangeSet')[0]?.input.ClientToken,
    });
    expect(stubs.calls('aws-sdk:cloudformation:deleteChangeSet')).toEqual([]);
    expect(stubs.calls('aws-sdk:cloudformation:describeStacks')).toHaveLength(4);
    expect(apiGateway.commandCalls(GetUsagePlanKeysCommand)[0]?.args[0].input).toEqual({
      usagePlanId: 'loglake-test-ClickstreamUsagePlan',
    });
    // GetUsagePlanKeys answers with each key's value: none of it reaches the execution history.
    expect(JSON.stringify(run.events)).not.toContain('secret-value');
    expect(stubs.calls('aws-sdk:apigateway:getApiKey')[0]?.input).toEqual({ ApiKey: OLDER_KEY });
    expect(run.output).toEqual({
      outcome: 'Rotated',
      timestamp: '2026-11-22T134500Z',
      slot: 'B',
      keyName: `${STACK}-clickstream-2026-11-22T134500Z`,
      keyId: NEW_KEY,
      previousKeyId: OLD_KEY,
      replacedKeyId: OLDER_KEY,
    });
    const [notice] = stubs.notices();
    expect(notice).toContain(
      `the new key is ${STACK}-clickstream-2026-11-22T134500Z (id ${NEW_KEY}); the previous key ${OLD_KEY} keeps working until the next rotation (schedule Monthly), then it is replaced; the older key ${OLDER_KEY} is deleted`,
    );
    expect(notice).toContain(`aws apigateway get-api-key --api-key ${NEW_KEY} --include-value`);
  });

  it('takes an explicit timestamp from a manual start, and the execution start time, to the second, when given none', async () => {
    const given = goodDay(`${STACK}-clickstream-2026-11-22-manual-1`);
    await runStateMachine(MACHINE, manual, { stubs: given });
    const now = goodDay();
    apiGateway.on(GetUsagePlanKeysCommand).callsFake(() => ({
      items: [
        { id: NEW_KEY, name: `${STACK}-clickstream-${timestampOf(now)}`, type: 'API_KEY' },
        { id: OLD_KEY, name: OLD_KEY_NAME, type: 'API_KEY' },
      ],
    }));

    const run = await runStateMachine(MACHINE, {}, { stubs: now });

    expect(timestampOf(given)).toBe('2026-11-22-manual-1');
    expect(timestampOf(now)).toMatch(/^\d{4}-\d\d-\d\dT\d{6}Z$/);
    expect(run.status).toBe('SUCCEEDED');
  });

  it('verifies the stack key, deletes the empty change set and ends as a success with a note when CloudFormation has nothing to change', async () => {
    const stubs = goodDay();
    changeSets([CREATING, EMPTY]);
    // An earlier execution already applied this Timestamp: the stack's key is the one it names.
    planHolds([
      { id: OLD_KEY, name: `${STACK}-clickstream-2026-11-22T134500Z` },
      { id: OLDER_KEY, name: OLD_KEY_NAME },
    ]);

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.output).toEqual({
      outcome: 'NoUpdate',
      note: 'The stack already has this Timestamp; its keys are verified: no key was replaced.',
      timestamp: '2026-11-22T134500Z',
      keyId: [OLD_KEY],
      previousKeyId: [OLDER_KEY],
    });
    expect(apiGateway.commandCalls(GetUsagePlanKeysCommand)).toHaveLength(1);
    expect(stubs.calls('aws-sdk:apigateway:getApiKey')).toEqual([]);
    expect(stubs.notices()).toEqual([]);
    expect(stubs.calls('aws-sdk:cloudformation:deleteChangeSet')[0]?.input).toEqual({
      StackName: STACK,
      ChangeSetName: CHANGE_SET,
    });
    expect(stubs.calls('aws-sdk:cloudformation:executeChangeSet')).toEqual([]);
  });

  it('still verifies and succeeds when deleting the empty change set is refused', async () => {
    const stubs = goodDay();
    changeSets([EMPTY]);
    stubs.on('aws-sdk:cloudformation:deleteChangeSet').rejects('InvalidChangeSetStatusException', 'in use');
    planHolds([
      { id: OLD_KEY, name: `${STACK}-clickstream-2026-11-22T134500Z` },
      { id: OLDER_KEY, name: OLD_KEY_NAME },
    ]);

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'NoUpdate' } });
  });

  it('verifies and ends as a no-op when a re-run finds its change set already executed', async () => {
    const stubs = goodDay();
    stubs
      .on('aws-sdk:cloudformation:createChangeSet')
      .rejects('AlreadyExistsException', `ChangeSet ${CHANGE_SET} already exists`);
    changeSets([{ Status: 'CREATE_COMPLETE', ExecutionStatus: 'EXECUTE_COMPLETE' }]);
    stubs
      .onState('Describe stack', 'aws-sdk:cloudformation:describeStacks')
      .resolves(stack('UPDATE_COMPLETE', NEW_KEY, OLD_KEY));
    planHolds([
      { id: NEW_KEY, name: `${STACK}-clickstream-2026-11-22T134500Z` },
      { id: OLD_KEY, name: OLD_KEY_NAME },
    ]);

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      output: { outcome: 'NoUpdate', keyId: [NEW_KEY], previousKeyId: [OLD_KEY] },
    });
    expect(stubs.calls('aws-sdk:cloudformation:executeChangeSet')).toEqual([]);
  });

  it('refuses by name, deletes the change set and names the resources when it would change more than the key', async () => {
    const stubs = goodDay();
    changeSets(
      [READY],
      [
        ...KEY_CHANGES,
        change('ClickstreamApiDeployment', 'AWS::ApiGateway::Deployment', {
          Action: 'Add',
          Replacement: undefined,
        }),
      ],
      [
        change('IngestionApiPipeline', 'AWS::CloudFormation::Stack', { ChangeSetId: NESTED_CHANGE_SET }),
        change('CatalogThenEtlPipeline', 'AWS::CloudFormation::Stack', {
          ChangeSetId: 'arn:aws:cloudformation:eu-west-1:123456789012:changeSet/other/1',
        }),
      ],
    );

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.ForeignChanges' });
    expect(run.cause).toBe(
      `The change set ${CHANGE_SET} would change more than the key: IngestionApiPipeline/ClickstreamApiDeployment (AWS::ApiGateway::Deployment: Add), CatalogThenEtlPipeline (AWS::CloudFormation::Stack: Modify, replaced). It is deleted, not executed; deploy the stack (sam deploy) to apply or undo those changes, then rotate.`,
    );
    expect(stubs.calls('aws-sdk:cloudformation:executeChangeSet')).toEqual([]);
    expect(stubs.calls('aws-sdk:cloudformation:deleteChangeSet')).toHaveLength(1);
    expect(stubs.notices()[0]).toContain('CatalogThenEtlPipeline');
  });

  it('still notifies the refusal when deleting the change set fails', async () => {
    const stubs = goodDay();
    changeSets([READY], [change('ClickstreamApi', 'AWS::ApiGateway::RestApi')]);
    stubs.on('aws-sdk:cloudformation:deleteChangeSet').rejects('unmodelled', 'Service Unavailable');

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.ForeignChanges' });
    expect(stubs.notices()).toHaveLength(1);
  });

  it.each([
    [
      'CloudFormation could not create it',
      [
        {
          Status: 'FAILED',
          ExecutionStatus: 'UNAVAILABLE',
          StatusReason: 'Parameter Timestamp failed to satisfy constraint',
        },
      ],
      'ApiKeyRotation.ChangeSetFailed',
      'Parameter Timestamp failed to satisfy constraint',
    ],
    [
      'it failed to execute before',
      [{ Status: 'CREATE_COMPLETE', ExecutionStatus: 'EXECUTE_FAILED' }],
      'ApiKeyRotation.ChangeSetFailed',
      'is CREATE_COMPLETE and EXECUTE_FAILED',
    ],
    [
      'it is never ready',
      [CREATING],
      'ApiKeyRotation.ChangeSetTimedOut',
      'still CREATE_IN_PROGRESS after 60 looks',
    ],
  ] as const)('fails by name and deletes the change set when %s', async (_case, states, error, cause) => {
    const stubs = goodDay();
    changeSets([...states]);

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error });
    expect(run.cause).toContain(cause);
    expect(stubs.calls('aws-sdk:cloudformation:executeChangeSet')).toEqual([]);
    expect(stubs.calls('aws-sdk:cloudformation:deleteChangeSet')).toHaveLength(1);
  });

  it('fails by name when the change set cannot be read', async () => {
    const stubs = goodDay();
    cloudFormation.reset();
    cloudFormation
      .on(DescribeChangeSetCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.ChangeSetUnreadable' });
    expect(stubs.calls('aws-sdk:cloudformation:executeChangeSet')).toEqual([]);
  });

  it('alternates the slots over three rotations, replacing the older key each time and never the newest', async () => {
    const rotations: { newest: 'A' | 'B'; timestamp: string }[] = [
      { newest: 'A', timestamp: '2026-11-22T134500Z' },
      { newest: 'B', timestamp: '2026-12-22T134500Z' },
      { newest: 'A', timestamp: '2027-01-22T134500Z' },
    ];
    const replaced: string[] = [];
    for (const [n, { newest, timestamp }] of rotations.entries()) {
      const stubs = goodDay(`${STACK}-clickstream-${timestamp}`);
      stubs
        .onState('Describe stack', 'aws-sdk:cloudformation:describeStacks')
        .resolves(stack('UPDATE_COMPLETE', OLD_KEY, OLDER_KEY, parametersWith(newest)));
      const slot = newest === 'A' ? 'B' : 'A';
      changeSets(
        [READY],
        slot === 'B'
          ? KEY_CHANGES
          : [
              change('ClickstreamApiKey', 'AWS::ApiGateway::ApiKey'),
              change('ClickstreamUsagePlanKey', 'AWS::ApiGateway::UsagePlanKey'),
            ],
      );

      const run = await runStateMachine(MACHINE, { timestamp }, { stubs });

      expect([n, run.status, (run.output as { slot?: string } | undefined)?.slot]).toEqual([
        n,
        'SUCCEEDED',
        slot,
      ]);
      const sent = stubs.calls('aws-sdk:cloudformation:createChangeSet')[0]?.input.Parameters ?? [];
      expect(sent.filter((p) => p.ParameterValue !== undefined)).toEqual([
        { ParameterKey: slot === 'A' ? 'Timestamp' : 'TimestampB', ParameterValue: timestamp },
        { ParameterKey: 'ApiKeyNewestSlot', ParameterValue: slot },
      ]);
      replaced.push(slot);
    }
    expect(replaced).toEqual(['B', 'A', 'B']);
  });

  it('only verifies when a slot already holds the timestamp (a re-run, even once its change set is gone)', async () => {
    const stubs = goodDay();
    stubs
      .onState('Describe stack', 'aws-sdk:cloudformation:describeStacks')
      .resolves(
        stack(
          'UPDATE_COMPLETE',
          NEW_KEY,
          OLD_KEY,
          parametersWith('B', ['2026-10-23T134500Z', '2026-11-22T134500Z']),
        ),
      );
    planHolds([
      { id: NEW_KEY, name: `${STACK}-clickstream-2026-11-22T134500Z` },
      { id: OLD_KEY, name: OLD_KEY_NAME },
    ]);

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'NoUpdate', keyId: [NEW_KEY] } });
    expect(stubs.calls('aws-sdk:cloudformation:createChangeSet')).toEqual([]);
  });

  it('fails verification by name on NoUpdate when the usage plan does not hold the stack key', async () => {
    const stubs = goodDay();
    changeSets([EMPTY]);

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.VerificationFailed' });
  });

  it('reads its own change set when a retried create finds the name taken (the first answer was lost)', async () => {
    const stubs = goodDay();
    stubs
      .on('aws-sdk:cloudformation:createChangeSet')
      .rejectsOnce('unmodelled', 'Service Unavailable (Status Code: 503)')
      .rejectsOnce('AlreadyExistsException', `ChangeSet ${CHANGE_SET} already exists`);

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'Rotated', keyId: NEW_KEY } });
    const tokens = stubs.calls('aws-sdk:cloudformation:createChangeSet').map((c) => c.input.ClientToken);
    expect(tokens).toEqual([TOKEN, tokens[0]]);
    expect(stubs.calls('aws-sdk:cloudformation:executeChangeSet')).toHaveLength(1);
  });

  it('follows its own execution when a retried execute finds it running (the first answer was lost)', async () => {
    const stubs = goodDay();
    changeSets([READY, { Status: 'CREATE_COMPLETE', ExecutionStatus: 'EXECUTE_IN_PROGRESS' }]);
    stubs
      .on('aws-sdk:cloudformation:executeChangeSet')
      .rejectsOnce('unmodelled', 'Service Unavailable (Status Code: 503)')
      .rejectsOnce(
        'InvalidChangeSetStatusException',
        `ChangeSet [${CHANGE_SET}] cannot be executed in its current execution status of [EXECUTE_IN_PROGRESS]`,
      );

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'Rotated', keyId: NEW_KEY } });
    expect(stubs.calls('aws-sdk:cloudformation:executeChangeSet')).toHaveLength(2);
  });

  it('waits for a busy stack to settle, then rotates', async () => {
    const stubs = goodDay();
    stubs
      .onState('Describe stack', 'aws-sdk:cloudformation:describeStacks')
      .resolvesOnce(stack('UPDATE_IN_PROGRESS'))
      .resolvesOnce(stack('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.statesEntered.filter((s) => s === 'Wait for stack')).toHaveLength(2);
    expect(stubs.calls('aws-sdk:cloudformation:createChangeSet')).toHaveLength(1);
  });

  it('waits again when the stack turns busy between describing it and creating the change set', async () => {
    const stubs = goodDay();
    stubs
      .onState('Create change set', 'aws-sdk:cloudformation:createChangeSet')
      .rejectsOnce(
        'CloudFormation.CloudFormationException',
        'Stack:arn:aws:cloudformation:eu-west-1:123456789012:stack/loglake-test/1 is in UPDATE_IN_PROGRESS state and can not be updated.',
      )
      .resolvesOnce({ Id: 'x', StackId: 'x' });

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(stubs.calls('aws-sdk:cloudformation:createChangeSet')).toHaveLength(2);
  });

  it('refuses by name when the stack stays busy past the bound, without updating it', async () => {
    const stubs = goodDay();
    stubs
      .onState('Describe stack', 'aws-sdk:cloudformation:describeStacks')
      .resolves(stack('UPDATE_IN_PROGRESS'));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.StackBusy' });
    expect(run.cause).toBe('The stack was still UPDATE_IN_PROGRESS after 20 waits of 30 s; rotate later.');
    expect(stubs.calls('aws-sdk:cloudformation:createChangeSet')).toEqual([]);
    expect(stubs.notices()[0]).toContain('failed in "Describe stack"');
  });

  it('refuses by name a stack in a state that cannot be updated', async () => {
    const stubs = goodDay();
    stubs
      .onState('Describe stack', 'aws-sdk:cloudformation:describeStacks')
      .resolves(stack('UPDATE_ROLLBACK_FAILED'));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.StackNotReady' });
    expect(stubs.calls('aws-sdk:cloudformation:createChangeSet')).toEqual([]);
  });

  /** A stack event of this update (its token) in the root stack or the API's nested stack. */
  const eventOf =
    (stubs: ServiceStubs, StackName: string) =>
    (
      LogicalResourceId: string,
      ResourceStatus: StackEvent['ResourceStatus'],
      ResourceStatusReason?: string,
      ClientRequestToken = tokenOf(stubs),
    ): StackEvent => ({
      StackId: 'x',
      EventId: `${LogicalResourceId}-${ResourceStatus}`,
      StackName,
      LogicalResourceId,
      ResourceType: /Pipeline$|^loglake-test$/.test(LogicalResourceId)
        ? 'AWS::CloudFormation::Stack'
        : 'AWS::ApiGateway::UsagePlanKey',
      ResourceStatus,
      ResourceStatusReason,
      Timestamp: new Date('2026-11-22T13:46:00Z'),
      ClientRequestToken,
    });
  const API_STACK = nestedStackId(nestedStackOf(MACHINE) ?? '');
  type EventOf = ReturnType<typeof eventOf>;

  /** A good day whose update rolled back, with these events (newest first, as CloudFormation lists them). */
  function rolledBack(
    events: (inRoot: EventOf, inApiStack: EventOf) => { root: StackEvent[]; api: StackEvent[] },
  ) {
    const stubs = goodDay();
    stubs
      .onState('Check update', 'aws-sdk:cloudformation:describeStacks')
      .resolves(stack('UPDATE_ROLLBACK_COMPLETE'));
    // Built when asked: the events carry the token the execution gave its update.
    stubs.on('aws-sdk:cloudformation:describeStackEvents').callsFake(({ StackName }) => {
      const { root, api } = events(eventOf(stubs, STACK), eventOf(stubs, API_STACK));
      return { StackEvents: StackName === STACK ? root : api };
    });
    return stubs;
  }

  it('reports a rollback by name with the first resource that failed, from the nested API stack that holds the key', async () => {
    const stubs = rolledBack((inRoot, inApiStack) => ({
      root: [
        inRoot(STACK, 'UPDATE_ROLLBACK_COMPLETE'),
        inRoot(
          'IngestionApiPipeline',
          'UPDATE_FAILED',
          'Embedded stack was not successfully updated: The following resource(s) failed to update: [ClickstreamUsagePlanKey].',
        ),
      ],
      api: [
        inApiStack(API_STACK, 'UPDATE_ROLLBACK_COMPLETE'),
        inApiStack('ClickstreamApiKey', 'UPDATE_FAILED', 'Resource update cancelled'),
        inApiStack('ClickstreamUsagePlanKey', 'CREATE_FAILED', 'Usage plan key limit exceeded'),
        inApiStack('ClickstreamApiKey', 'UPDATE_IN_PROGRESS'),
        // An older operation's failure is not this update's reason.
        inApiStack('ClickstreamUsagePlan', 'UPDATE_FAILED', 'Throttle settings invalid', 'rotate-earlier'),
      ],
    }));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(stubs.calls('aws-sdk:cloudformation:describeStackEvents').map((c) => c.input.StackName)).toEqual([
      API_STACK,
      STACK,
    ]);
    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.RolledBack' });
    expect(run.cause).toBe(
      'The update rolled back (UPDATE_ROLLBACK_COMPLETE): ClickstreamUsagePlanKey (AWS::ApiGateway::UsagePlanKey) failed: Usage plan key limit exceeded',
    );
    expect(stubs.notices()[0]).toContain('Usage plan key limit exceeded');
  });

  it("reports the root stack's own failure when the API stack's events name none", async () => {
    const stubs = rolledBack((inRoot) => ({
      root: [
        inRoot(STACK, 'UPDATE_ROLLBACK_COMPLETE'),
        inRoot(
          'IngestionApiPipeline',
          'UPDATE_FAILED',
          'User is not authorized to perform: cloudformation:UpdateStack',
        ),
      ],
      api: [],
    }));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.cause).toBe(
      'The update rolled back (UPDATE_ROLLBACK_COMPLETE): IngestionApiPipeline (AWS::CloudFormation::Stack) failed: User is not authorized to perform: cloudformation:UpdateStack',
    );
  });

  it.each([
    ['only the stack event', true],
    ['no event at all', false],
  ])(
    'reports a rollback by name when the events name no failed resource (%s)',
    async (_case, withStackEvent) => {
      const stubs = goodDay();
      stubs
        .onState('Check update', 'aws-sdk:cloudformation:describeStacks')
        .resolves(stack('UPDATE_ROLLBACK_COMPLETE'));
      stubs.on('aws-sdk:cloudformation:describeStackEvents').callsFake(() => ({
        StackEvents: [
          {
            StackId: 'x',
            EventId: 'e1',
            StackName: STACK,
            LogicalResourceId: STACK,
            ResourceType: 'AWS::CloudFormation::Stack',
            ResourceStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' as const,
            ResourceStatusReason: 'The following resource(s) failed to update: [ClickstreamApiKey].',
            ClientRequestToken: tokenOf(stubs),
            Timestamp: new Date('2026-11-22T13:46:00Z'),
          },
        ].slice(0, withStackEvent ? 1 : 0),
      }));

      const run = await runStateMachine(MACHINE, scheduled, { stubs });

      expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.RolledBack' });
      expect(run.cause).toBe(
        'The update rolled back (UPDATE_ROLLBACK_COMPLETE); no UPDATE_FAILED event says why: see the stack events.',
      );
    },
  );

  it('keeps waiting while a rollback is still running, and reports it once it has ended', async () => {
    const stubs = goodDay();
    stubs
      .onState('Check update', 'aws-sdk:cloudformation:describeStacks')
      .resolvesOnce(stack('UPDATE_ROLLBACK_IN_PROGRESS'))
      .resolves(stack('UPDATE_ROLLBACK_COMPLETE'));
    stubs.on('aws-sdk:cloudformation:describeStackEvents').resolves({ StackEvents: [] });

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.RolledBack' });
    expect(run.cause).toContain('(UPDATE_ROLLBACK_COMPLETE)');
    // After goodDay's two in-progress polls: the running rollback is polled again, not reported.
    expect(run.statesEntered.filter((s) => s === 'Check update')).toHaveLength(4);
  });

  it('gives up with a named timeout when the update never completes', async () => {
    const stubs = goodDay();
    stubs
      .onState('Check update', 'aws-sdk:cloudformation:describeStacks')
      .resolves(stack('UPDATE_IN_PROGRESS'));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.UpdateTimeout' });
    const waits = run.events.flatMap((e) =>
      e.type === 'StateEntered' && e.state.name === 'Wait for update'
        ? [(e.state.input as { counters: { interval: number } }).counters.interval]
        : [],
    );
    expect(waits.slice(0, 4)).toEqual([10, 20, 40, 60]);
    expect(waits).toHaveLength(40);
  });

  it('fails by name when the update ends in a state it did not expect', async () => {
    const stubs = goodDay();
    stubs.onState('Check update', 'aws-sdk:cloudformation:describeStacks').resolves(stack('DELETE_COMPLETE'));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'ApiKeyRotation.UpdateFailed',
      cause: 'The update ended in DELETE_COMPLETE.',
    });
  });

  it('fails verification by name when the usage plan does not hold exactly the new key', async () => {
    const stubs = goodDay();
    planHolds([
      { id: NEW_KEY, name: `${STACK}-clickstream-2026-11-22T134500Z`, value: 'new-key-secret-value' },
      { id: OLD_KEY, name: OLD_KEY_NAME, value: 'old-key-secret-value' },
      { id: OLDER_KEY, name: `${STACK}-clickstream-2026-09-23T134500Z`, value: 'older-key-secret-value' },
    ]);

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.VerificationFailed' });
    expect(run.cause).toContain(
      `should hold ${STACK}-clickstream-2026-11-22T134500Z (${NEW_KEY}) and the previous key ${OLD_KEY}`,
    );
    expect(run.cause).toContain(OLDER_KEY);
    // The notice is e-mailed and the history is read by operators: neither holds a key's value.
    expect(stubs.notices().join('\n')).not.toContain('secret-value');
    expect(JSON.stringify(run.events)).not.toContain('secret-value');
  });

  it('fails verification by name, not with States.Runtime, when the usage plan holds no key at all', async () => {
    const stubs = goodDay();
    // API Gateway leaves `items` out of an empty page.
    apiGateway.on(GetUsagePlanKeysCommand).resolves({});

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.VerificationFailed' });
    expect(run.statesEntered).toContain('Keys mismatch');
  });

  it('fails verification by name when the replaced key still exists', async () => {
    const stubs = goodDay();
    stubs
      .on('aws-sdk:apigateway:getApiKey')
      .resolves({ id: OLDER_KEY, name: `${STACK}-clickstream-2026-09-23T134500Z`, enabled: true });

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'ApiKeyRotation.VerificationFailed',
      cause: `The replaced key ${OLDER_KEY} still exists.`,
    });
  });

  it.each([
    ['Describe stack', 'aws-sdk:cloudformation:describeStacks', 'ApiKeyRotation.DescribeFailed'],
    ['Create change set', 'aws-sdk:cloudformation:createChangeSet', 'ApiKeyRotation.UpdateFailed'],
    ['Execute change set', 'aws-sdk:cloudformation:executeChangeSet', 'ApiKeyRotation.UpdateFailed'],
    ['Read usage plan keys', 'lambda:invoke', 'ApiKeyRotation.VerificationFailed'],
  ] as const)('fails by name when "%s" is refused', async (state, key, error) => {
    const stubs = goodDay();
    stubs.onState(state, key).rejects('States.TaskFailed', 'User is not authorized to perform this action');

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error });
    expect(stubs.notices()[0]).toContain('User is not authorized');
  });

  it('fails by name when CloudFormation refuses the change set for another reason', async () => {
    const stubs = goodDay();
    stubs
      .on('aws-sdk:cloudformation:createChangeSet')
      .rejects('CloudFormation.CloudFormationException', 'Parameter Timestamp failed to satisfy constraint');

    const run = await runStateMachine(MACHINE, manual, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.UpdateFailed' });
  });

  it('fails by name when only the success notice is lost', async () => {
    const stubs = goodDay();
    stubs
      .onState('Notify success', 'sns:publish')
      .rejects('SNS.AuthorizationErrorException', 'Not authorized');

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.NotifyFailed' });
  });
});

function timestampOf(stubs: ServiceStubs): string | undefined {
  const parameters = stubs.calls('aws-sdk:cloudformation:createChangeSet')[0]?.input.Parameters ?? [];
  // The slot replaced on a good day is B.
  return parameters.find((p) => p.ParameterKey === 'TimestampB')?.ParameterValue;
}
