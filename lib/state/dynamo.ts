import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../probe/index.js';
import { systemClock } from '../probe/index.js';
import type { PutOptions, StateStore, StoredItem } from './types.js';

/** Attribute names of the state table: `pk` (string hash key), `version`, `value` (JSON), `expiresAt` (TTL, epoch s). */
export const DYNAMO_ATTRIBUTES = {
  key: 'pk',
  version: 'version',
  value: 'value',
  expiresAt: 'expiresAt',
} as const;

export interface DynamoStateStoreOptions {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
  clock?: Clock;
}

/** The SDK module, loaded on first use: a Lambda's module init stays config and code (issue 15). */
const sdk = () => import('@aws-sdk/client-dynamodb');

const isConditionFailure = (error: unknown): boolean =>
  (error as Error)?.name === 'ConditionalCheckFailedException';

/**
 * The state store on DynamoDB. Conditional writes use the numeric `version` attribute; `expiresAt`
 * is the table's TTL attribute. DynamoDB deletes expired items late (and moto never), so reads
 * and conditions treat an item whose `expiresAt` has passed as absent.
 */
export class DynamoStateStore implements StateStore {
  private readonly clock: Clock;

  constructor(private readonly options: DynamoStateStoreOptions) {
    this.clock = options.clock ?? systemClock;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  private decode<T>(item: Record<string, AttributeValue> | undefined): StoredItem<T> | undefined {
    if (!item) return undefined;
    const expiresAt = item[DYNAMO_ATTRIBUTES.expiresAt]?.N;
    if (expiresAt !== undefined && Number(expiresAt) <= this.nowSeconds()) return undefined;
    return {
      key: item[DYNAMO_ATTRIBUTES.key]!.S!,
      version: Number(item[DYNAMO_ATTRIBUTES.version]!.N),
      value: JSON.parse(item[DYNAMO_ATTRIBUTES.value]!.S!) as T,
    };
  }

  async get<T>(key: string): Promise<StoredItem<T> | undefined> {
    const { GetItemCommand } = await sdk();
    const out = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: key } },
        ConsistentRead: true,
      }),
    );
    return this.decode<T>(out.Item);
  }

  async put<T>(key: string, value: T, options: PutOptions = {}): Promise<StoredItem<T> | undefined> {
    const { PutItemCommand, UpdateItemCommand } = await sdk();
    const now = this.nowSeconds();
    const expiry = options.ttlSeconds === undefined ? undefined : now + Math.ceil(options.ttlSeconds);
    const json = JSON.stringify(value);
    try {
      if (options.expectedVersion === 0 || options.expectedVersion === undefined) {
        // Create (or, unconditionally, overwrite). An expired item counts as absent.
        if (options.expectedVersion === 0) {
          await this.options.client.send(
            new PutItemCommand({
              TableName: this.options.tableName,
              Item: {
                pk: { S: key },
                version: { N: '1' },
                value: { S: json },
                ...(expiry === undefined ? {} : { expiresAt: { N: String(expiry) } }),
              },
              ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
              ExpressionAttributeValues: { ':now': { N: String(now) } },
            }),
          );
          return { key, value: structuredClone(value), version: 1 };
        }
        const out = await this.options.client.send(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: { pk: { S: key } },
            UpdateExpression:
              'SET #value = :value, #version = if_not_exists(#version, :zero) + :one' +
              (expiry === undefined ? ' REMOVE #expiresAt' : ', #expiresAt = :expiresAt'),
            ExpressionAttributeNames: { '#value': 'value', '#version': 'version', '#expiresAt': 'expiresAt' },
            ExpressionAttributeValues: {
              ':value': { S: json },
              ':zero': { N: '0' },
              ':one': { N: '1' },
              ...(expiry === undefined ? {} : { ':expiresAt': { N: String(expiry) } }),
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { key, value: structuredClone(value), version: Number(out.Attributes?.version?.N ?? 1) };
      }
      const next = options.expectedVersion + 1;
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: key } },
          UpdateExpression:
            'SET #value = :value, #version = :next' +
            (expiry === undefined ? ' REMOVE #expiresAt' : ', #expiresAt = :expiresAt'),
          ConditionExpression:
            '#version = :expected AND (attribute_not_exists(#expiresAt) OR #expiresAt > :now)',
          ExpressionAttributeNames: { '#value': 'value', '#version': 'version', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: {
            ':value': { S: json },
            ':next': { N: String(next) },
            ':expected': { N: String(options.expectedVersion) },
            ':now': { N: String(now) },
            ...(expiry === undefined ? {} : { ':expiresAt': { N: String(expiry) } }),
          },
        }),
      );
      return { key, value: structuredClone(value), version: next };
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string, options: { expectedVersion?: number } = {}): Promise<boolean> {
    const { DeleteItemCommand } = await sdk();
    const now = this.nowSeconds();
    try {
      await this.options.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: key } },
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(#expiresAt) OR #expiresAt > :now)' +
            (options.expectedVersion === undefined ? '' : ' AND #version = :expected'),
          ExpressionAttributeNames: {
            '#expiresAt': 'expiresAt',
            ...(options.expectedVersion === undefined ? {} : { '#version': 'version' }),
          },
          ExpressionAttributeValues: {
            ':now': { N: String(now) },
            ...(options.expectedVersion === undefined
              ? {}
              : { ':expected': { N: String(options.expectedVersion) } }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async list<T>(prefix: string): Promise<StoredItem<T>[]> {
    const { ScanCommand } = await sdk();
    const items: StoredItem<T>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.options.client.send(
        new ScanCommand({
          TableName: this.options.tableName,
          FilterExpression: 'begins_with(pk, :prefix)',
          ExpressionAttributeValues: { ':prefix': { S: prefix } },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const raw of out.Items ?? []) {
        const item = this.decode<T>(raw);
        if (item) items.push(item);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
