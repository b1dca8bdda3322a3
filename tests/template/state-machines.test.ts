import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  definitionProblems,
  type StateMachineSource,
  stateMachineIds,
  stateMachineSource,
} from '../../offline/state-machines';

const harnessDemo = readFileSync(
  join(__dirname, '..', 'harness', 'fixtures', 'harness-demo.asl.json'),
  'utf8',
);
const demoSubstitutions = {
  ClickstreamTransformFunctionArn: { 'Fn::GetAtt': ['ClickstreamTransformFunction', 'Arn'] },
  CrawlerName: { Ref: 'RawCrawler' },
  GlueJobName: { Ref: 'GlueJob' },
  NotifyTopicArn: { Ref: 'NotifyTopic' },
};
const source = (text: string, substitutions: StateMachineSource['substitutions'] = demoSubstitutions) => ({
  logicalId: 'Demo',
  definitionPath: 'tests/harness/fixtures/harness-demo.asl.json',
  text,
  substitutions,
});
const demo = () => JSON.parse(harnessDemo);

describe('state machine definitions in template.yaml', () => {
  it('exist, are valid JSONPath ASL, and match their DefinitionSubstitutions exactly', () => {
    const problems = stateMachineIds().flatMap((id) =>
      definitionProblems(stateMachineSource(id)).map((problem) => `${id}: ${problem}`),
    );

    expect(problems).toEqual([]);
  });
});

describe('state machine definition check', () => {
  it('accepts a valid definition whose placeholders all have substitutions', () => {
    expect(definitionProblems(source(harnessDemo))).toEqual([]);
  });

  it('reports a missing file', () => {
    expect(definitionProblems(source(''))).toEqual([expect.stringContaining('does not exist')]);
  });

  it('reports placeholders without substitutions and substitutions never used', () => {
    const { NotifyTopicArn: _unused, ...withoutTopic } = demoSubstitutions;

    expect(definitionProblems(source(harnessDemo, { ...withoutTopic, Extra: 'x' }))).toEqual([
      '${NotifyTopicArn} has no DefinitionSubstitutions entry',
      'DefinitionSubstitutions.Extra is never used',
    ]);
  });

  it('rejects JSONata at the top or in a state, Assign, and JSONata-only fields', () => {
    const top = { ...demo(), QueryLanguage: 'JSONata' };
    const inState = demo();
    inState.States['Get crawler'].QueryLanguage = 'JSONata';
    inState.States['Get crawler'].Assign = { state: '{% $states.result.Crawler.State %}' };
    inState.States.Done.Output = { ok: true };

    expect(definitionProblems(source(JSON.stringify(top)))).toContain(
      'QueryLanguage JSONata is not allowed (use JSONPath)',
    );
    expect(definitionProblems(source(JSON.stringify(inState)))).toEqual(
      expect.arrayContaining([
        'state "Get crawler" uses JSONata',
        'state "Get crawler" uses Assign (variables are not supported offline)',
        'state "Done" has the JSONata-only field Output',
      ]),
    );
  });

  it('reports invalid ASL and invalid JSON', () => {
    const broken = demo();
    broken.States['Wait for crawler'].Next = 'Nowhere';

    expect(definitionProblems(source(JSON.stringify(broken)))).toEqual([
      expect.stringMatching(/^invalid ASL: .*Nowhere/),
    ]);
    expect(definitionProblems(source('{ "StartAt": ', {}))).toEqual([
      expect.stringMatching(/^not valid JSON/),
    ]);
  });
});
