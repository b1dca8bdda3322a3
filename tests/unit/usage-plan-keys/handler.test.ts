import { APIGatewayClient, GetUsagePlanKeysCommand } from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { loadEvent } from '../../../offline/fixtures';
import { functionHandler } from '../../../offline/harness';
import { lambdaContext } from '../../../offline/lambda-context';

const apiGateway = mockClient(APIGatewayClient);
const invoke = (event: unknown) =>
  functionHandler('UsagePlanKeysFunction')(event, lambdaContext('UsagePlanKeysFunction')) as Promise<{
    count: number;
    keys: { id: string; name: string }[];
  }>;

describe('usage plan keys', () => {
  beforeEach(() => apiGateway.reset());

  it('lists every key of the stack usage plan across pages, by id and name, never its value', async () => {
    apiGateway
      .on(GetUsagePlanKeysCommand)
      .resolvesOnce({
        items: [{ id: 'k1', name: 'loglake-dev-clickstream-a', type: 'API_KEY', value: 'v1' }],
        position: 'p2',
      })
      .resolvesOnce({
        items: [{ id: 'k2', name: 'loglake-dev-clickstream-b', type: 'API_KEY', value: 'v2' }],
      });

    const result = await invoke(loadEvent('usage-plan-keys', 'verify'));

    expect(result).toEqual({
      usagePlanId: 'loglake-test-ClickstreamUsagePlan',
      count: 2,
      keys: [
        { id: 'k1', name: 'loglake-dev-clickstream-a', type: 'API_KEY' },
        { id: 'k2', name: 'loglake-dev-clickstream-b', type: 'API_KEY' },
      ],
    });
    expect(JSON.stringify(result)).not.toMatch(/"v[12]"/);
    // The paginator follows `position` to the second page (it reuses one input object).
    const calls = apiGateway.commandCalls(GetUsagePlanKeysCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toMatchObject({
      usagePlanId: 'loglake-test-ClickstreamUsagePlan',
      position: 'p2',
    });
  });

  it('answers an empty plan (no items in the page) with no keys', async () => {
    apiGateway.on(GetUsagePlanKeysCommand).resolves({});

    expect(await invoke({})).toMatchObject({ count: 0, keys: [] });
  });
});
