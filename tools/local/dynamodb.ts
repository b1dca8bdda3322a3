import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Integrations, ServiceStubs } from '../../offline/stubs';
import { TaskFailure } from '../../offline/stubs';
import { fakeRef } from '../../offline/substitutions';
import { loadTemplate, resourcesOfType } from '../../offline/template';

/**
 * DynamoDB for the workflows' claim and lock items: PutItem, GetItem and UpdateItem with the
 * condition and update expressions the workflows use (attribute_not_exists, =, <>, <, OR,
 * SET a = :v, SET a = a + :v, REMOVE), evaluated for real, in memory.
 */

type Item = Record<string, AttributeValue>;
type Names = Record<string, string> | undefined;
type Values = Record<string, AttributeValue> | undefined;

const scalar = (value: AttributeValue | undefined): string | number | undefined =>
  value === undefined
    ? undefined
    : 'N' in value && value.N !== undefined
      ? Number(value.N)
      : (value.S ?? JSON.stringify(value));

function name(token: string, names: Names): string {
  return token.startsWith('#') ? (names?.[token] ?? token) : token;
}

function operand(token: string, item: Item, names: Names, values: Values): AttributeValue | undefined {
  return token.startsWith(':') ? values?.[token] : item[name(token, names)];
}

/** Evaluates a condition expression: OR of comparisons and attribute_not_exists(). */
export function conditionHolds(
  expression: string,
  item: Item | undefined,
  names: Names,
  values: Values,
): boolean {
  return expression.split(/\s+OR\s+/).some((clause) => {
    const missing = /^attribute_not_exists\((.+)\)$/.exec(clause.trim());
    if (missing) return item === undefined || item[name(missing[1] as string, names)] === undefined;
    const comparison = /^(\S+)\s*(=|<>|<)\s*(\S+)$/.exec(clause.trim());
    if (!comparison) throw new Error(`local DynamoDB cannot evaluate ${clause}`);
    if (item === undefined) return false;
    const [, left, op, right] = comparison as unknown as [string, string, string, string];
    const a = scalar(operand(left, item, names, values));
    const b = scalar(operand(right, item, names, values));
    if (a === undefined || b === undefined) return op === '<>' ? a !== b : false;
    return op === '=' ? a === b : op === '<>' ? a !== b : a < b;
  });
}

export function applyUpdate(expression: string, item: Item, names: Names, values: Values): Item {
  const next = { ...item };
  const [setPart, removePart] = expression.split(/\s+REMOVE\s+/);
  for (const assignment of (setPart ?? '').replace(/^SET\s+/, '').split(',')) {
    if (!assignment.trim()) continue;
    const [target, value] = assignment.split('=').map((s) => s.trim()) as [string, string];
    const sum = /^(\S+)\s*\+\s*(\S+)$/.exec(value);
    next[name(target, names)] = sum
      ? {
          N: String(
            Number(scalar(operand(sum[1] as string, item, names, values)) ?? 0) +
              Number(scalar(operand(sum[2] as string, item, names, values))),
          ),
        }
      : (operand(value, item, names, values) as AttributeValue);
  }
  for (const removed of (removePart ?? '').split(','))
    if (removed.trim()) delete next[name(removed.trim(), names)];
  return next;
}

function conditionFailed(): TaskFailure {
  return TaskFailure.of(
    'dynamodb:putItem',
    'ConditionalCheckFailedException',
    'The conditional request failed',
  );
}

export class LocalDynamoDb {
  readonly tables = new Map<string, Map<string, Item>>();

  /** `keySchemas`: each table's key attribute names, by table name (from template.yaml). */
  constructor(private readonly keySchemas: ReadonlyMap<string, string[]>) {}

  /** Every table of template.yaml, under the name the harness gives it, with its key schema. */
  static ofTemplate(): LocalDynamoDb {
    const template = loadTemplate();
    return new LocalDynamoDb(
      new Map(
        resourcesOfType(template, 'AWS::DynamoDB::Table').map(([id, table]) => [
          fakeRef(template, id),
          ((table.Properties?.KeySchema ?? []) as { AttributeName: string }[]).map((k) => k.AttributeName),
        ]),
      ),
    );
  }

  /** Answers the workflows' DynamoDB tasks from these tables. */
  serve(stubs: ServiceStubs): this {
    stubs.on('dynamodb:putItem').callsFake((input) => this.putItem(input));
    stubs.on('dynamodb:getItem').callsFake((input) => this.getItem(input));
    stubs.on('dynamodb:updateItem').callsFake((input) => this.updateItem(input));
    return this;
  }

  private table(name: string) {
    let table = this.tables.get(name);
    if (!table) {
      table = new Map();
      this.tables.set(name, table);
    }
    return table;
  }

  private static keyOf(key: Item): string {
    return JSON.stringify(
      Object.keys(key)
        .sort()
        .map((k) => [k, key[k]]),
    );
  }

  private static keyFields(item: Item, keyNames: string[]): Item {
    return Object.fromEntries(keyNames.map((k) => [k, item[k] as AttributeValue]));
  }

  putItem(input: Integrations['dynamodb:putItem']['input']): Integrations['dynamodb:putItem']['output'] {
    const item = input.Item as Item;
    const keyNames = this.keySchemas.get(String(input.TableName));
    if (!keyNames) throw new Error(`local DynamoDB knows no table ${input.TableName}`);
    const table = this.table(String(input.TableName));
    const id = LocalDynamoDb.keyOf(LocalDynamoDb.keyFields(item, keyNames));
    if (
      input.ConditionExpression &&
      !conditionHolds(
        input.ConditionExpression,
        table.get(id),
        input.ExpressionAttributeNames,
        input.ExpressionAttributeValues,
      )
    ) {
      throw conditionFailed();
    }
    table.set(id, item);
    return {};
  }

  getItem(input: Integrations['dynamodb:getItem']['input']): Integrations['dynamodb:getItem']['output'] {
    const item = this.table(String(input.TableName)).get(LocalDynamoDb.keyOf(input.Key as Item));
    return item ? { Item: item } : {};
  }

  updateItem(
    input: Integrations['dynamodb:updateItem']['input'],
  ): Integrations['dynamodb:updateItem']['output'] {
    const table = this.table(String(input.TableName));
    const id = LocalDynamoDb.keyOf(input.Key as Item);
    const current = table.get(id);
    if (
      input.ConditionExpression &&
      !conditionHolds(
        input.ConditionExpression,
        current,
        input.ExpressionAttributeNames,
        input.ExpressionAttributeValues,
      )
    ) {
      throw conditionFailed();
    }
    const updated = applyUpdate(
      String(input.UpdateExpression),
      { ...(current ?? {}), ...(input.Key as Item) },
      input.ExpressionAttributeNames,
      input.ExpressionAttributeValues,
    );
    table.set(id, updated);
    return input.ReturnValues === 'ALL_NEW' ? { Attributes: updated } : {};
  }
}
