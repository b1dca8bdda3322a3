import { InvalidInputError } from '../shared/errors';

/** A usage plan key as the rotation verifies it: never its value, which is the API key itself. */
export interface PlanKey {
  readonly id: string;
  readonly name: string;
  readonly type: string;
}

export class UsagePlanKeysRequestError extends InvalidInputError {
  override readonly name = 'UsagePlanKeysRequestError';
}

/** The function reads its own usage plan only: an input naming anything is refused. */
export function checkRequest(event: unknown): void {
  if (event === null || event === undefined) return;
  if (typeof event !== 'object' || Array.isArray(event))
    throw new UsagePlanKeysRequestError(
      `the input must be {} (the usage plan is fixed), got ${JSON.stringify(event).slice(0, 80)}`,
    );
  const names = Object.keys(event);
  if (names.length > 0)
    throw new UsagePlanKeysRequestError(
      `the input must be {}: this function reads only the stack's usage plan, not ${names.join(', ')}`,
    );
}

/** Ids, names and types of the keys, in the order API Gateway lists them; values dropped. */
export function withoutValues(items: readonly { id?: string; name?: string; type?: string }[]): PlanKey[] {
  return items.map((item) => ({ id: item.id ?? '', name: item.name ?? '', type: item.type ?? '' }));
}
