import type { Json, Template } from './template';

export const FAKE_REGION = 'eu-west-1';
export const FAKE_ACCOUNT = '123456789012';
export const FAKE_STACK = 'loglake-test';

/** The fake ARN the harness gives a function: its name is the logical ID, so it maps back. */
export const fakeFunctionArn = (logicalId: string) =>
  `arn:aws:lambda:${FAKE_REGION}:${FAKE_ACCOUNT}:function:${logicalId}`;

/** Realistic stand-ins for what CloudFormation would put in DefinitionSubstitutions. */
export function fakeAttribute(template: Template, logicalId: string, attribute: string): string {
  const type = template.Resources[logicalId]?.Type;
  const lower = logicalId.toLowerCase();
  switch (`${type}.${attribute}`) {
    case 'AWS::Serverless::Function.Arn':
    case 'AWS::Lambda::Function.Arn':
      return fakeFunctionArn(logicalId);
    case 'AWS::Serverless::StateMachine.Arn':
    case 'AWS::StepFunctions::StateMachine.Arn':
      return `arn:aws:states:${FAKE_REGION}:${FAKE_ACCOUNT}:stateMachine:${physicalName(template, logicalId)}`;
    case 'AWS::Serverless::StateMachine.Name':
    case 'AWS::StepFunctions::StateMachine.Name':
      return physicalName(template, logicalId);
    case 'AWS::DynamoDB::Table.Arn':
    case 'AWS::Serverless::SimpleTable.Arn':
      return `arn:aws:dynamodb:${FAKE_REGION}:${FAKE_ACCOUNT}:table/${FAKE_STACK}-${logicalId}`;
    case 'AWS::S3::Bucket.Arn':
      return `arn:aws:s3:::${FAKE_STACK}-${lower}`;
    case 'AWS::SNS::Topic.TopicArn':
      return `arn:aws:sns:${FAKE_REGION}:${FAKE_ACCOUNT}:${FAKE_STACK}-${logicalId}`;
    case 'AWS::SNS::Topic.TopicName':
      return `${FAKE_STACK}-${logicalId}`;
    case 'AWS::SQS::Queue.Arn':
      return `arn:aws:sqs:${FAKE_REGION}:${FAKE_ACCOUNT}:${FAKE_STACK}-${logicalId}`;
    case 'AWS::IAM::Role.Arn':
      return `arn:aws:iam::${FAKE_ACCOUNT}:role/${FAKE_STACK}-${logicalId}`;
    default:
      throw new Error(
        `No fake value for ${logicalId}.${attribute} (${type}); teach offline/substitutions.ts`,
      );
  }
}

/**
 * A state machine's explicit Name (`!Sub loglake-${Stage}-…` at the default Stage), so the ARNs
 * definitions receive match the ones role policies name; the logical ID when it has none.
 */
function physicalName(template: Template, logicalId: string): string {
  const name = template.Resources[logicalId]?.Properties?.Name as Json | undefined;
  const text = typeof name === 'string' ? name : (name as { 'Fn::Sub'?: Json } | undefined)?.['Fn::Sub'];
  if (typeof text !== 'string') return logicalId;
  const stage = String(template.Parameters?.Stage?.Default ?? 'dev');
  return text.replace('${Stage}', stage).replace('${AWS::StackName}', FAKE_STACK);
}

export function fakeRef(template: Template, name: string): string {
  const pseudo: Record<string, string> = {
    'AWS::Region': FAKE_REGION,
    'AWS::AccountId': FAKE_ACCOUNT,
    'AWS::Partition': 'aws',
    'AWS::StackName': FAKE_STACK,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  if (pseudo[name]) return pseudo[name];
  const parameter = template.Parameters?.[name];
  if (parameter) return String(parameter.Default ?? `${name}-value`);
  const type = template.Resources[name]?.Type;
  switch (type) {
    case undefined:
      throw new Error(`Ref to unknown name ${name}`);
    case 'AWS::SNS::Topic':
      return fakeAttribute(template, name, 'TopicArn');
    case 'AWS::Serverless::StateMachine':
    case 'AWS::StepFunctions::StateMachine':
      return fakeAttribute(template, name, 'Arn');
    case 'AWS::SQS::Queue':
      return `https://sqs.${FAKE_REGION}.amazonaws.com/${FAKE_ACCOUNT}/${FAKE_STACK}-${name}`;
    case 'AWS::Serverless::Function':
    case 'AWS::Lambda::Function':
      return name;
    default:
      // Buckets, tables, Glue jobs/crawlers/databases, workgroups…: their Ref is a name.
      return type.startsWith('AWS::S3::') ? `${FAKE_STACK}-${name.toLowerCase()}` : `${FAKE_STACK}-${name}`;
  }
}

/** Resolves one DefinitionSubstitutions value (a literal or an intrinsic) to a fake string. */
export function fakeSubstitution(template: Template, value: Json): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if ('Ref' in value) return fakeRef(template, String(value.Ref));
    // A value that depends on a condition: the first branch, the one the stack builds itself.
    if ('Fn::If' in value) return fakeSubstitution(template, (value['Fn::If'] as Json[])[1] as Json);
    if ('Fn::GetAtt' in value) {
      const [logicalId, attribute] = value['Fn::GetAtt'] as [string, string];
      return fakeAttribute(template, logicalId, attribute);
    }
    if ('Fn::Join' in value) {
      const [separator, list] = value['Fn::Join'] as [string, Json];
      // A CommaDelimitedList parameter joins its default's items.
      const items = Array.isArray(list)
        ? list.map((item) => fakeSubstitution(template, item))
        : fakeSubstitution(template, list).split(',');
      return items.join(separator);
    }
    if ('Fn::Sub' in value && typeof value['Fn::Sub'] === 'string') {
      return value['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        const [logicalId, attribute] = name.split('.') as [string, string | undefined];
        return attribute ? fakeAttribute(template, logicalId, attribute) : fakeRef(template, logicalId);
      });
    }
  }
  throw new Error(`Unsupported DefinitionSubstitutions value ${JSON.stringify(value)}`);
}
