import { render } from 'velocityjs';
import { fakeRef } from '../../offline/substitutions';
import { type Json, loadTemplate } from '../../offline/template';

/**
 * `$input.body` as API Gateway gives it to a mapping template: a java.lang.String
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html),
 * so `split` takes a regular expression and drops trailing empty strings, as Java's does.
 */
class JavaString {
  constructor(private readonly text: string) {}
  split(regex: string): string[] {
    const parts = this.text.split(new RegExp(regex));
    while (parts.length > 0 && parts.at(-1) === '') parts.pop();
    return parts;
  }
  length(): number {
    return this.text.length;
  }
  toString(): string {
    return this.text;
  }
}

/** A mapping template as API Gateway runs it: Fn::Sub filled in with the harness's fake names, $input/$util/$context provided. */
export function runMappingTemplate(
  source: Json,
  body: string,
  context: Record<string, unknown> = {},
): string {
  const text =
    typeof source === 'string'
      ? source
      : String((source as { 'Fn::Sub': string })['Fn::Sub']).replace(/\$\{(\w+)\}/g, (_, name: string) =>
          fakeRef(loadTemplate(), name),
        );
  const parsed = (() => {
    try {
      return JSON.parse(body);
    } catch {
      return undefined;
    }
  })();
  const path = (expression: string) =>
    expression === '$'
      ? parsed
      : expression
          .split('.')
          .slice(1)
          .reduce((value, key) => value?.[key], parsed);
  return render(text, {
    input: {
      body: new JavaString(body),
      path,
      json: (expression: string) => JSON.stringify(path(expression)),
    },
    util: { base64Encode: (value: string) => Buffer.from(String(value)).toString('base64') },
    context: { responseOverride: {}, ...context },
  });
}
