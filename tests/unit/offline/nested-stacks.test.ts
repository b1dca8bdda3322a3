import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTemplate } from '../../../offline/template';

/** A root template and one nested stack (and the modules it uses), written to a fresh folder. */
function lake(child: string, root: string, modules: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'loglake-nested-'));
  mkdirSync(join(dir, 'stacks', 'modules'), { recursive: true });
  writeFileSync(join(dir, 'stacks', 'pipe.yaml'), child);
  for (const [name, text] of Object.entries(modules))
    writeFileSync(join(dir, 'stacks', 'modules', name), text);
  writeFileSync(join(dir, 'template.yaml'), root);
  return join(dir, 'template.yaml');
}

const CHILD = `
Parameters:
  Stage: { Type: String }
  BucketName: { Type: String }
  BucketArn: { Type: String }
  Names: { Type: CommaDelimitedList }
Conditions:
  HasNames: !Not [!Equals [!Join ["", !Ref Names], ""]]
Globals:
  Function:
    CodeUri: ../functions
Resources:
  PipeFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment: { Variables: { BUCKET: !Ref BucketName } }
      Policies:
        - Statement:
            - { Effect: Allow, Action: s3:PutObject, Resource: !Sub "\${BucketArn}/pipe/*" }
  PipeMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: !Sub loglake-\${Stage}-pipe
      DefinitionUri: ../statemachines/pipe.asl.json
Outputs:
  FunctionName: { Value: !Ref PipeFunction }
`;
const ROOT = `
Parameters:
  Stage: { Type: String, Default: dev }
  Names: { Type: CommaDelimitedList, Default: "" }
Resources:
  Bucket: { Type: AWS::S3::Bucket }
  Pipe:
    Type: AWS::Serverless::Application
    Properties:
      Location: stacks/pipe.yaml
      Parameters:
        Stage: !Ref Stage
        BucketName: !Ref Bucket
        BucketArn: !GetAtt Bucket.Arn
        Names: !Join [",", !Ref Names]
Outputs:
  PipeFunctionName: { Value: !GetAtt Pipe.Outputs.FunctionName }
  Dashboard: { Value: !Sub "fn \${Pipe.Outputs.FunctionName}" }
`;

describe('nested stacks, read as one template', () => {
  const template = loadTemplate(lake(CHILD, ROOT));

  it('reads each stack in place of its Application, parameters as the root passes them', () => {
    expect(template.Resources.Pipe).toBeUndefined();
    const fn = template.Resources.PipeFunction?.Properties as Record<string, unknown>;
    expect(fn.Environment).toEqual({ Variables: { BUCKET: { Ref: 'Bucket' } } });
    expect(JSON.stringify(fn.Policies)).toContain('"Fn::Sub":"${Bucket.Arn}/pipe/*"');
    expect(template.Resources.PipeMachine?.Properties?.Name).toEqual({ 'Fn::Sub': 'loglake-${Stage}-pipe' });
    // A list crosses joined, and reads as the list again.
    expect(template.Conditions?.HasNames).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: 'Names' }] }, ''] }],
    });
  });

  it("makes local paths relative to the root, and resolves the root's use of the stack's outputs", () => {
    expect(template.Resources.PipeFunction?.Properties?.CodeUri).toBe('functions');
    expect(template.Resources.PipeMachine?.Properties?.DefinitionUri).toBe('statemachines/pipe.asl.json');
    expect(template.Outputs?.PipeFunctionName?.Value).toEqual({ Ref: 'PipeFunction' });
    expect(template.Outputs?.Dashboard?.Value).toEqual({ 'Fn::Sub': 'fn ${PipeFunction}' });
  });

  it('refuses a stack parameter the root does not give, and a resource in two templates', () => {
    expect(() =>
      loadTemplate(lake(CHILD, ROOT.replace('        BucketArn: !GetAtt Bucket.Arn\n', ''))),
    ).toThrow('Pipe gives stacks/pipe.yaml no BucketArn');
    expect(() =>
      loadTemplate(
        lake(
          CHILD,
          ROOT.replace(
            '  Bucket: { Type: AWS::S3::Bucket }',
            '  Bucket: { Type: AWS::S3::Bucket }\n  PipeFunction: { Type: AWS::SNS::Topic }',
          ),
        ),
      ),
    ).toThrow('PipeFunction is in the root and in stacks/pipe.yaml');
  });
});

const ALARM_MODULE = `
Parameters:
  Component: { Type: String }
  FunctionName: { Type: String }
Resources:
  Errors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: !Sub loglake-\${Component}-errors
      Dimensions: [{ Name: FunctionName, Value: !Ref FunctionName }]
`;
const CHILD_WITH_MODULES = `
Globals:
  Function:
    CodeUri: ../functions
    Runtime: nodejs24.x
    Environment: { Variables: { SHARED: "yes", LEVEL: global } }
    Layers: [global-layer]
Resources:
  OneFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment: { Variables: { LEVEL: own } }
      Layers: [own-layer]
  TwoFunction: { Type: AWS::Serverless::Function }
  OneFunctionAlarms:
    Type: AWS::Serverless::Application
    Properties:
      Location: modules/alarm.yaml
      Parameters: { Component: one, FunctionName: !Ref OneFunction }
  TwoFunctionAlarms:
    Type: AWS::Serverless::Application
    Properties:
      Location: modules/alarm.yaml
      Parameters: { Component: two, FunctionName: !Ref TwoFunction }
`;

describe('modules a nested stack uses', () => {
  const template = loadTemplate(
    lake(
      CHILD_WITH_MODULES,
      'Resources:\n  Pipe: { Type: AWS::Serverless::Application, Properties: { Location: stacks/pipe.yaml } }\n',
      {
        'alarm.yaml': ALARM_MODULE,
      },
    ),
  );

  it('are read in place once per use, their resources named after the Application that uses them', () => {
    expect(template.Resources.OneFunctionAlarmsErrors?.Properties).toEqual({
      AlarmName: { 'Fn::Sub': 'loglake-one-errors' },
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'OneFunction' } }],
    });
    expect(template.Resources.TwoFunctionAlarmsErrors?.Properties?.AlarmName).toEqual({
      'Fn::Sub': 'loglake-two-errors',
    });
    expect(template.Resources.Errors).toBeUndefined();
  });

  it("carry the stack's Globals on each of its functions, as SAM merges them", () => {
    expect(template.Resources.OneFunction?.Properties).toEqual({
      CodeUri: 'functions',
      Runtime: 'nodejs24.x',
      Environment: { Variables: { SHARED: 'yes', LEVEL: 'own' } },
      Layers: ['global-layer', 'own-layer'],
    });
    expect(template.Resources.TwoFunction?.Properties?.Environment).toEqual({
      Variables: { SHARED: 'yes', LEVEL: 'global' },
    });
  });
});
