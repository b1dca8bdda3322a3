import { InvalidInputError } from '../shared/errors';

/**
 * What a key rotation's change set would do, and whether it may run: only the key's own
 * resources may change. Pure: the handler describes the change sets, this decides.
 */

/** One change of a described change set, as DescribeChangeSet lists it (botocore `ResourceChange`). */
export interface DescribedChange {
  readonly ResourceChange?: {
    readonly Action?: string;
    readonly LogicalResourceId?: string;
    readonly ResourceType?: string;
    readonly Replacement?: string;
    readonly ChangeSetId?: string;
  };
}

export interface DescribedChangeSet {
  readonly Status?: string;
  readonly StatusReason?: string;
  readonly ExecutionStatus?: string;
  readonly Changes?: readonly DescribedChange[];
}

/** One resource change, where it is: `IngestionApiPipeline/ClickstreamApiKey`. */
export interface PlannedChange {
  readonly resource: string;
  readonly type: string;
  readonly action: string;
  readonly replacement: string;
}

export interface RotationPlan {
  readonly status: string;
  readonly executionStatus: string;
  readonly statusReason: string;
  /** CloudFormation found nothing to change: this Timestamp is already applied. */
  readonly noChanges: boolean;
  /** Changes of the key's own resources: what the rotation is for. */
  readonly keyChanges: readonly PlannedChange[];
  /** Anything else: the rotation must not run. */
  readonly foreignChanges: readonly PlannedChange[];
  /** The offending resources in one line, for the failure notice. */
  readonly foreignSummary: string;
}

/** Where the keys live: the API's nested stack, and the resources a new timestamp replaces, per slot. */
export const KEY_STACK = 'IngestionApiPipeline';
export type KeySlot = 'A' | 'B';
export const KEY_RESOURCES: Readonly<Record<KeySlot, Readonly<Record<string, string>>>> = {
  A: {
    ClickstreamApiKey: 'AWS::ApiGateway::ApiKey',
    ClickstreamUsagePlanKey: 'AWS::ApiGateway::UsagePlanKey',
    // Behind CloudFront (PutCloudFrontInFront): the slot's key value.
    ClickstreamApiKeySecret: 'AWS::SecretsManager::Secret',
  },
  B: {
    ClickstreamApiKeyB: 'AWS::ApiGateway::ApiKey',
    ClickstreamUsagePlanKeyB: 'AWS::ApiGateway::UsagePlanKey',
    ClickstreamApiKeySecretB: 'AWS::SecretsManager::Secret',
  },
};
/**
 * Behind CloudFront the distribution's origin header follows the newest key, so a rotation
 * modifies it in place; replacing it would change the clients' address, so that is foreign.
 */
export const KEY_HEADER_RESOURCE: Readonly<Record<string, string>> = {
  ClickstreamApiDistribution: 'AWS::CloudFront::Distribution',
};
const NESTED_STACK = 'AWS::CloudFormation::Stack';
const MAX_CHANGES_SHOWN = 10;

/**
 * CloudFormation's reasons for a change set that changes nothing, as AWS's own CLI recognises
 * them (aws-cli, customizations/cloudformation/deployer.py): the Timestamp is already applied.
 */
const NO_CHANGE_REASONS = [
  "The submitted information didn't contain changes",
  'No updates are to be performed',
];

export class RotationChangeSetRequestError extends InvalidInputError {
  override readonly name = 'RotationChangeSetRequestError';
}

/** `{changeSetName, slot}`: the change set the workflow created (its stack is fixed) and the key slot it rotates. */
export function checkRequest(event: unknown): { changeSetName: string; slot: KeySlot } {
  const { changeSetName: name, slot } = (event ?? {}) as { changeSetName?: unknown; slot?: unknown };
  if (
    typeof name !== 'string' ||
    !/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/.test(name) ||
    (slot !== 'A' && slot !== 'B')
  )
    throw new RotationChangeSetRequestError(
      `the input must be {"changeSetName": "<a change set name>", "slot": "A" or "B"}, got ${JSON.stringify(event)?.slice(0, 120)}`,
    );
  return { changeSetName: name, slot };
}

/**
 * The plan of a root change set and its nested change sets (by change set id): a nested stack's
 * change is what its own change set holds; a nested stack whose change set is not known is a
 * change that cannot be checked, so foreign. Only the rotated slot's key resources are the key's own.
 */
export function rotationPlan(
  root: DescribedChangeSet,
  nested: ReadonlyMap<string, DescribedChangeSet>,
  slot: KeySlot,
): RotationPlan {
  const slotResources = KEY_RESOURCES[slot];
  const keyChanges: PlannedChange[] = [];
  const foreignChanges: PlannedChange[] = [];
  const visit = (set: DescribedChangeSet, path: string[]) => {
    for (const { ResourceChange: change } of set.Changes ?? []) {
      const logicalId = change?.LogicalResourceId ?? '?';
      const planned: PlannedChange = {
        resource: [...path, logicalId].join('/'),
        type: change?.ResourceType ?? '?',
        action: change?.Action ?? '?',
        replacement: change?.Replacement ?? '-',
      };
      const inner = change?.ChangeSetId === undefined ? undefined : nested.get(change.ChangeSetId);
      if (planned.type === NESTED_STACK && path.length === 0 && logicalId === KEY_STACK && inner) {
        visit(inner, [logicalId]);
        continue;
      }
      // Only the rotated slot's key: the other slot holds the key clients still use.
      const inKeyStack = path.join('/') === KEY_STACK;
      const isHeader =
        KEY_HEADER_RESOURCE[logicalId] === planned.type &&
        planned.action === 'Modify' &&
        planned.replacement === 'False';
      const isKey = inKeyStack && (slotResources[logicalId] === planned.type || isHeader);
      (isKey ? keyChanges : foreignChanges).push(planned);
    }
  };
  visit(root, []);
  const reason = root.StatusReason ?? '';
  return {
    status: root.Status ?? 'UNKNOWN',
    executionStatus: root.ExecutionStatus ?? 'UNKNOWN',
    statusReason: reason,
    noChanges: root.Status === 'FAILED' && NO_CHANGE_REASONS.some((r) => reason.includes(r)),
    keyChanges,
    foreignChanges,
    foreignSummary:
      foreignChanges
        .slice(0, MAX_CHANGES_SHOWN)
        .map((c) => `${c.resource} (${c.type}: ${c.action}${c.replacement === 'True' ? ', replaced' : ''})`)
        .join(', ') +
      (foreignChanges.length > MAX_CHANGES_SHOWN
        ? `, and ${foreignChanges.length - MAX_CHANGES_SHOWN} more`
        : ''),
  };
}

/** The ids of the nested change sets a described change set points to. */
export function nestedChangeSetIds(set: DescribedChangeSet): string[] {
  return (set.Changes ?? []).flatMap(({ ResourceChange: c }) =>
    c?.ResourceType === NESTED_STACK && c.ChangeSetId ? [c.ChangeSetId] : [],
  );
}
