import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate } from '../../offline/conditions';
import { REPO_ROOT } from '../../offline/fixtures';
import { type Json, loadTemplate, resource } from '../../offline/template';

const template = loadTemplate();
const machine = resource(template, 'RedshiftLoadStateMachine').Properties as Record<string, Json>;

describe('Redshift load permissions', () => {
  it('signs in as one custom database role that the admin bootstrap creates, never a system role', () => {
    const roles = String((machine.Tags as Record<string, string>).RedshiftDbRoles).split(':');
    const bootstrap = readFileSync(join(REPO_ROOT, 'sql/redshift-admin/loader-role.sql'), 'utf8');

    // The tag is colon-separated: "sys:dba" would name the roles "sys" and "dba".
    expect(roles).toEqual(['loglake_loader']);
    expect(bootstrap).toMatch(/^CREATE ROLE loglake_loader;$/m);
    expect(bootstrap).toMatch(/^GRANT CREATE ON DATABASE \w+ TO ROLE loglake_loader;$/m);
    expect(bootstrap).not.toMatch(/sys:|SUPERUSER/i);
  });

  it.each([
    [
      'a created workgroup',
      { CreateRedshiftServerless: 'true' },
      '<RedshiftWorkgroup.Workgroup.WorkgroupArn>',
    ],
    [
      'an existing workgroup, by its id',
      { RedshiftWorkgroupName: 'analytics', RedshiftWorkgroupId: '0a1b2c3d-0000-4000-8000-000000000000' },
      'arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/0a1b2c3d-0000-4000-8000-000000000000',
    ],
  ])('runs statements and gets credentials on %s only', (_case, parameters, workgroupArn) => {
    const statements = (machine.Policies as Json[])
      .flatMap((p) => ((p as { Statement?: Json[] }).Statement ?? []) as Record<string, Json>[])
      .filter((s) => JSON.stringify(s.Action).match(/redshift-data:BatchExecuteStatement|GetCredentials/));

    expect(statements).toHaveLength(2);
    for (const statement of statements)
      expect(evaluate(template, statement.Resource as Json, parameters)).toBe(workgroupArn);
  });

  it('asks for an existing workgroup id, and loads only into the schemas it is given', () => {
    const rule = (template as unknown as { Rules: Record<string, { Assertions: { Assert: Json }[] }> }).Rules
      .ExistingRedshiftWorkgroupNeedsItsId;
    expect(evaluate(template, rule?.Assertions[0]?.Assert as Json, { RedshiftWorkgroupId: '' })).toBe(false);
    const environment = resource(template, 'RedshiftLoadFunction').Properties?.Environment as
      | { Variables: Record<string, Json> }
      | undefined;
    expect(evaluate(template, environment?.Variables.LOAD_SCHEMAS as Json, {})).toBe('audit');
  });

  it('lets COPY reach S3 without a VPC endpoint unless asked to route through the VPC', () => {
    const workgroup = resource(template, 'RedshiftWorkgroup').Properties as Record<string, Json>;
    expect(evaluate(template, workgroup.EnhancedVpcRouting as Json, {})).toBe('false');
  });
});
