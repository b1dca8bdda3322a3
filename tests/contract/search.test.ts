import { evaluate, NO_VALUE } from '../../offline/conditions';
import { serviceModel, shape, shapeProblems } from '../../offline/service-models';
import { type Json, loadTemplate, resource } from '../../offline/template';

/**
 * The search sink's resources against the Firehose and OpenSearch Serverless service models:
 * each resource's properties are the request CloudFormation makes for it.
 */
const template = loadTemplate();
const PRIVATE = {
  SearchSink: 'new-collection',
  SearchNetwork: 'vpc',
  SearchVpcId: 'vpc-0123456789abcdef0',
  SearchSubnetIds: ['subnet-0123456789abcdef0'],
  SearchSecurityGroupIds: ['sg-0123456789abcdef0'],
  SearchReaderPrincipalArn: 'arn:aws:iam::123456789012:role/analysts',
};
const withoutNoValues = (value: Json): Json => {
  if (Array.isArray(value)) return value.filter((v) => v !== NO_VALUE).map(withoutNoValues);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== NO_VALUE)
      .map(([k, v]) => [k, withoutNoValues(v)]),
  );
};
const request = (id: string, parameters: Record<string, Json> = PRIVATE) =>
  withoutNoValues(evaluate(template, resource(template, id).Properties as Json, parameters));

describe('the search delivery stream against the Firehose model', () => {
  const firehose = serviceModel('firehose');

  it('is a CreateDeliveryStream request with an OpenSearch Serverless destination', () => {
    expect(
      shapeProblems(firehose, { shape: 'CreateDeliveryStreamInput' }, request('SearchDeliveryStream')),
    ).toEqual([]);
    expect(
      shapeProblems(
        firehose,
        { shape: 'CreateDeliveryStreamInput' },
        request('SearchDeliveryStream', { SearchSink: 'new-collection', SearchNetwork: 'public' }),
      ),
    ).toEqual([]);
  });

  it('takes no document id for Serverless, as the local stream indexes (OpenSearch assigns them)', () => {
    expect(
      Object.keys(shape(firehose, 'AmazonOpenSearchServerlessDestinationConfiguration').members ?? {}),
    ).not.toContain('DocumentIdOptions');
    expect(
      Object.keys(shape(firehose, 'AmazonopensearchserviceDestinationConfiguration').members ?? {}),
    ).toContain('DocumentIdOptions');
  });
});

describe('the collection and its policies against the OpenSearch Serverless model', () => {
  const aoss = serviceModel('opensearchserverless');
  const problems = (id: string, input: string) =>
    shapeProblems(aoss, { shape: input }, request(id), { pascalCase: true });

  it.each([
    ['SearchCollection', 'CreateCollectionRequest'],
    ['SearchEncryptionPolicy', 'CreateSecurityPolicyRequest'],
    ['SearchNetworkPolicy', 'CreateSecurityPolicyRequest'],
    ['SearchDataAccessPolicy', 'CreateAccessPolicyRequest'],
    ['SearchRetentionPolicy', 'CreateLifecyclePolicyRequest'],
    ['SearchVpcEndpoint', 'CreateVpcEndpointRequest'],
  ])('%s is a %s', (id, input) => {
    expect(problems(id, input)).toEqual([]);
  });
});
