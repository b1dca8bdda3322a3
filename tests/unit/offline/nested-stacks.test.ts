import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTemplate } from '../../../offline/template';

/** A root template and one nested stack, written to a fresh folder. */
function lake(child: string, root: string) {
  const dir = mkdtempSync(join(tmpdir(), 'loglake-nested-'));
  mkdirSync(join(dir, 'stacks'));
  writeFileSync(join(dir, 'stacks', 'pipe.yaml'), child);
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
