import { evaluate, NO_VALUE } from '../../offline/conditions';
import type { Json, Template } from '../../offline/template';

/** An Allow statement of a role's inline policies, with intrinsics evaluated for one parameter choice. */
export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

const asList = <T>(value: T | T[]) => (Array.isArray(value) ? value : [value]);
const wildcard = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );

export function roleStatements(
  template: Template,
  roleId: string,
  parameters: Record<string, Json>,
): Statement[] {
  const role = template.Resources[roleId];
  const policies = (evaluate(template, (role?.Properties?.Policies ?? []) as Json, parameters) ??
    []) as Json[];
  return policies
    .filter((p) => p !== NO_VALUE)
    .flatMap((p) =>
      asList(((p as { PolicyDocument: { Statement: Json } }).PolicyDocument.Statement ?? []) as Json),
    )
    .filter((s): s is Json & Statement => s !== NO_VALUE && (s as unknown as Statement).Effect === 'Allow');
}

/** Whether some statement allows the action on the resource (IAM's `*` and `?` wildcards). */
export const grants = (statements: Statement[], action: string, resource: string | undefined) =>
  statements.some(
    (s) =>
      asList(s.Action).some((a) => wildcard(a).test(action)) &&
      (resource === undefined || asList(s.Resource).some((r) => wildcard(String(r)).test(resource))),
  );
