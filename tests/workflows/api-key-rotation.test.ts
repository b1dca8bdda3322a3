import { APIGatewayClient, GetUsagePlanKeysCommand } from '@aws-sdk/client-api-gateway';
import type { StackEvent, StackStatus } from '@aws-sdk/client-cloudformation';
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
const OLD_KEY = 'a1b2c3d4e5';
const NEW_KEY = 'f6g7h8i9j0';
const PARAMETERS = ['Stage', 'LogLevel', 'Timestamp', 'ApiKeyRotationSchedule'].map((ParameterKey) => ({
  ParameterKey,
  ParameterValue: ParameterKey === 'Timestamp' ? '2026-10-23T134500Z' : 'unchanged',
}));

/** The ClientRequestToken the execution gave its update: CloudFormation tags that update's events with it. */
const tokenOf = (stubs: ServiceStubs) =>
  String(stubs.calls('aws-sdk:cloudformation:updateStack')[0]?.input.ClientRequestToken);
const TOKEN = expect.stringMatching(/^rotate-[0-9a-f-]{36}$/);

const stack = (StackStatus: StackStatus, keyId = OLD_KEY) => ({
  Stacks: [
    {
      StackName: STACK,
      StackStatus,
      CreationTime: new Date('2026-10-01T00:00:00Z'),
      Parameters: PARAMETERS,
      Outputs: [
        {
          OutputKey: 'ClickstreamApiUrl',
          OutputValue: 'https://abc.execute-api.eu-west-1.amazonaws.com/v1/events',
        },
        { OutputKey: 'ClickstreamApiKeyId', OutputValue: keyId },
      ],
    },
  ],
});

/** A rotation on a good day: the stack is ready, the update completes, the plan holds the new key. */
function goodDay(keyName = `${STACK}-clickstream-2026-11-22T134500Z`): ServiceStubs {
  const stubs = new ServiceStubs();
  stubs.onState('Describe stack', 'aws-sdk:cloudformation:describeStacks').resolves(stack('UPDATE_COMPLETE'));
  stubs
    .onState('Check update', 'aws-sdk:cloudformation:describeStacks')
    .resolvesOnce(stack('UPDATE_IN_PROGRESS'))
    .resolvesOnce(stack('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', NEW_KEY))
    .resolves(stack('UPDATE_COMPLETE', NEW_KEY));
  stubs
    .on('aws-sdk:cloudformation:updateStack')
    .resolves({ StackId: `arn:aws:cloudformation:eu-west-1:123456789012:stack/${STACK}/1` });
  apiGateway.reset();
  planHolds([{ id: NEW_KEY, name: keyName }]);
  stubs
    .on('aws-sdk:apigateway:getApiKey')
    .rejects('NotFoundException', 'Invalid API Key identifier specified');
  stubs.on('sns:publish').resolves({ MessageId: 'd4e5f6a7-0000-4000-8000-000000000000' });
  return stubs;
}

describe('API key rotation workflow', () => {
  it('updates only Timestamp, waits for the update, verifies the plan holds exactly the new key, and notifies its id', async () => {
    const stubs = goodDay();

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(stubs.calls('aws-sdk:cloudformation:updateStack')[0]?.input).toEqual({
      StackName: STACK,
      UsePreviousTemplate: true,
      Parameters: [
        { ParameterKey: 'Stage', UsePreviousValue: true },
        { ParameterKey: 'LogLevel', UsePreviousValue: true },
        { ParameterKey: 'Timestamp', ParameterValue: '2026-11-22T134500Z' },
        { ParameterKey: 'ApiKeyRotationSchedule', UsePreviousValue: true },
      ],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
      ClientRequestToken: TOKEN,
    });
    expect(stubs.calls('aws-sdk:cloudformation:describeStacks')).toHaveLength(4);
    expect(apiGateway.commandCalls(GetUsagePlanKeysCommand)[0]?.args[0].input).toEqual({
      usagePlanId: 'loglake-test-ClickstreamUsagePlan',
    });
    // GetUsagePlanKeys answers with each key's value: none of it reaches the execution history.
    expect(JSON.stringify(run.events)).not.toContain('secret-value');
    expect(stubs.calls('aws-sdk:apigateway:getApiKey')[0]?.input).toEqual({ ApiKey: OLD_KEY });
    expect(run.output).toEqual({
      outcome: 'Rotated',
      timestamp: '2026-11-22T134500Z',
      keyName: `${STACK}-clickstream-2026-11-22T134500Z`,
      keyId: NEW_KEY,
      previousKeyId: OLD_KEY,
    });
    const [notice] = stubs.notices();
    expect(notice).toContain(
      `the new key is ${STACK}-clickstream-2026-11-22T134500Z (id ${NEW_KEY}); the old key ${OLD_KEY} is deleted`,
    );
    expect(notice).toContain(`aws apigateway get-api-key --api-key ${NEW_KEY} --include-value`);
  });

  it('takes an explicit timestamp from a manual start, and the execution start time, to the second, when given none', async () => {
    const given = goodDay(`${STACK}-clickstream-2026-11-22-manual-1`);
    await runStateMachine(MACHINE, manual, { stubs: given });
    const now = goodDay();
    apiGateway.on(GetUsagePlanKeysCommand).callsFake(() => ({
      items: [{ id: NEW_KEY, name: `${STACK}-clickstream-${timestampOf(now)}`, type: 'API_KEY' }],
    }));

    const run = await runStateMachine(MACHINE, {}, { stubs: now });

    expect(timestampOf(given)).toBe('2026-11-22-manual-1');
    expect(timestampOf(now)).toMatch(/^\d{4}-\d\d-\d\dT\d{6}Z$/);
    expect(run.status).toBe('SUCCEEDED');
  });

  it('verifies the stack key and ends as a success with a note when CloudFormation has nothing to update', async () => {
    const stubs = goodDay();
    stubs
      .on('aws-sdk:cloudformation:updateStack')
      .rejects(
        'unmodelled',
        'No updates are to be performed. (Service: CloudFormation; Status Code: 400; Error Code: ValidationError)',
      );
    // An earlier execution already applied this Timestamp: the stack's key is the one it names.
    planHolds([{ id: OLD_KEY, name: `${STACK}-clickstream-2026-11-22T134500Z` }]);

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.output).toEqual({
      outcome: 'NoUpdate',
      note: 'The stack already has this Timestamp; its key is verified: no key was replaced.',
      timestamp: '2026-11-22T134500Z',
      keyId: [OLD_KEY],
    });
    expect(apiGateway.commandCalls(GetUsagePlanKeysCommand)).toHaveLength(1);
    expect(stubs.calls('aws-sdk:apigateway:getApiKey')).toEqual([]);
    expect(stubs.notices()).toEqual([]);
  });

  it('fails verification by name on NoUpdate when the usage plan does not hold the stack key', async () => {
    const stubs = goodDay();
    stubs.on('aws-sdk:cloudformation:updateStack').rejects('unmodelled', 'No updates are to be performed.');

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.VerificationFailed' });
  });

  it('follows its own update when a retried call finds its token taken (the first answer was lost)', async () => {
    const stubs = goodDay();
    stubs
      .on('aws-sdk:cloudformation:updateStack')
      .rejectsOnce('unmodelled', 'Service Unavailable (Status Code: 503)')
      .rejectsOnce('TokenAlreadyExistsException', `Token ${TOKEN} already exists`);

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'Rotated', keyId: NEW_KEY } });
    const tokens = stubs.calls('aws-sdk:cloudformation:updateStack').map((c) => c.input.ClientRequestToken);
    expect(tokens).toEqual([TOKEN, tokens[0]]);
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
    expect(stubs.calls('aws-sdk:cloudformation:updateStack')).toHaveLength(1);
  });

  it('waits again when the stack turns busy between describing and updating it', async () => {
    const stubs = goodDay();
    stubs
      .onState('Update stack', 'aws-sdk:cloudformation:updateStack')
      .rejectsOnce(
        'CloudFormation.CloudFormationException',
        'Stack:arn:aws:cloudformation:eu-west-1:123456789012:stack/loglake-test/1 is in UPDATE_IN_PROGRESS state and can not be updated.',
      )
      .resolvesOnce({ StackId: 'x' });

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run.status).toBe('SUCCEEDED');
    expect(stubs.calls('aws-sdk:cloudformation:updateStack')).toHaveLength(2);
  });

  it('refuses by name when the stack stays busy past the bound, without updating it', async () => {
    const stubs = goodDay();
    stubs
      .onState('Describe stack', 'aws-sdk:cloudformation:describeStacks')
      .resolves(stack('UPDATE_IN_PROGRESS'));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.StackBusy' });
    expect(run.cause).toBe('The stack was still UPDATE_IN_PROGRESS after 20 waits of 30 s; rotate later.');
    expect(stubs.calls('aws-sdk:cloudformation:updateStack')).toEqual([]);
    expect(stubs.notices()[0]).toContain('failed in "Describe stack"');
  });

  it('refuses by name a stack in a state that cannot be updated', async () => {
    const stubs = goodDay();
    stubs
      .onState('Describe stack', 'aws-sdk:cloudformation:describeStacks')
      .resolves(stack('UPDATE_ROLLBACK_FAILED'));

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.StackNotReady' });
    expect(stubs.calls('aws-sdk:cloudformation:updateStack')).toEqual([]);
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
      { id: OLD_KEY, name: `${STACK}-clickstream-2026-10-23T134500Z`, value: 'old-key-secret-value' },
    ]);

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error: 'ApiKeyRotation.VerificationFailed' });
    expect(run.cause).toContain(`should hold only ${STACK}-clickstream-2026-11-22T134500Z (${NEW_KEY})`);
    expect(run.cause).toContain(OLD_KEY);
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
      .resolves({ id: OLD_KEY, name: `${STACK}-clickstream-2026-10-23T134500Z`, enabled: true });

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'ApiKeyRotation.VerificationFailed',
      cause: `The replaced key ${OLD_KEY} still exists.`,
    });
  });

  it.each([
    ['Describe stack', 'aws-sdk:cloudformation:describeStacks', 'ApiKeyRotation.DescribeFailed'],
    ['Update stack', 'aws-sdk:cloudformation:updateStack', 'ApiKeyRotation.UpdateFailed'],
    ['Read usage plan keys', 'lambda:invoke', 'ApiKeyRotation.VerificationFailed'],
  ] as const)('fails by name when "%s" is refused', async (state, key, error) => {
    const stubs = goodDay();
    stubs.onState(state, key).rejects('States.TaskFailed', 'User is not authorized to perform this action');

    const run = await runStateMachine(MACHINE, scheduled, { stubs });

    expect(run).toMatchObject({ status: 'FAILED', error });
    expect(stubs.notices()[0]).toContain('User is not authorized');
  });

  it('fails by name when CloudFormation refuses the update for another reason', async () => {
    const stubs = goodDay();
    stubs
      .on('aws-sdk:cloudformation:updateStack')
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
  const parameters = stubs.calls('aws-sdk:cloudformation:updateStack')[0]?.input.Parameters ?? [];
  return parameters.find((p) => p.ParameterKey === 'Timestamp')?.ParameterValue;
}
