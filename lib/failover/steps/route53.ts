import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type RRType,
} from '@aws-sdk/client-route-53';
import type { Site } from '../../config/index.js';
import { FAILOVER_ERROR_CODES, FailoverError } from '../errors.js';
import type { FailoverStep, StepContext } from '../types.js';

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const normalise = (name: string) => (name.endsWith('.') ? name : `${name}.`).toLowerCase();

/** The write endpoint points at the new primary's first replica (A record for an IP, CNAME for a name). */
export const writeEndpointRecord = (site: Site): { type: RRType; value: string } => {
  const host = site.replicas[0]!.host;
  return IPV4.test(host) ? { type: 'A', value: host } : { type: 'CNAME', value: host };
};

const settingsOf = (ctx: StepContext) => {
  const route53 = ctx.settings.route53;
  if (!route53)
    throw new FailoverError(FAILOVER_ERROR_CODES.precondition, 'failover.route53 is not configured');
  if (!ctx.deps.route53)
    throw new FailoverError(
      FAILOVER_ERROR_CODES.precondition,
      'no Route 53 client (AWS credentials and region needed)',
    );
  return { route53, client: ctx.deps.route53 };
};

const currentRecord = async (
  ctx: StepContext,
): Promise<{ type: string; value: string; ttl: number } | undefined> => {
  const { route53, client } = settingsOf(ctx);
  const out = await client.send(
    new ListResourceRecordSetsCommand({
      HostedZoneId: route53.hostedZoneId,
      StartRecordName: route53.recordName,
      MaxItems: 5,
    }),
  );
  const set = (out.ResourceRecordSets ?? []).find(
    (s) =>
      normalise(s.Name ?? '') === normalise(route53.recordName) && (s.Type === 'A' || s.Type === 'CNAME'),
  );
  const value = set?.ResourceRecords?.[0]?.Value;
  return set && value ? { type: set.Type!, value, ttl: set.TTL ?? route53.ttl } : undefined;
};

const upsert = async (
  ctx: StepContext,
  record: { type: RRType; value: string; ttl: number },
  comment: string,
): Promise<void> => {
  const { route53, client } = settingsOf(ctx);
  await client.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: route53.hostedZoneId,
      ChangeBatch: {
        Comment: comment,
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: route53.recordName,
              Type: record.type,
              TTL: record.ttl,
              ResourceRecords: [{ Value: record.value }],
            },
          },
        ],
      },
    }),
  );
};

/** Optional: UPSERTs the write endpoint record to the new primary; undo puts the old value back. */
export const route53Step = (to: Site): FailoverStep => ({
  id: 'write-endpoint',
  title: `Point the write endpoint (Route 53) at ${to.name}`,
  kind: 'change',
  async plan(ctx) {
    const record = writeEndpointRecord(to);
    return [
      {
        target: 'route53',
        via: 'aws',
        text: `ChangeResourceRecordSets ${ctx.settings.route53?.hostedZoneId}: UPSERT ${ctx.settings.route53?.recordName} ${record.type} ${record.value} TTL ${ctx.settings.route53?.ttl}`,
      },
    ];
  },
  async isDone(ctx) {
    const current = await currentRecord(ctx);
    return current?.value === writeEndpointRecord(to).value;
  },
  async run(ctx) {
    const before = await currentRecord(ctx);
    const record = writeEndpointRecord(to);
    ctx.undo.data = { before: before ?? null };
    await upsert(
      ctx,
      { ...record, ttl: ctx.settings.route53!.ttl },
      `chdr ${ctx.request.kind} ${ctx.request.from}->${ctx.request.to} run ${ctx.runId}`,
    );
    return {
      notes: [`${ctx.settings.route53!.recordName}: ${before?.value ?? '(none)'} -> ${record.value}`],
    };
  },
  async verify(ctx) {
    const current = await currentRecord(ctx);
    if (current?.value !== writeEndpointRecord(to).value) {
      throw new FailoverError(
        FAILOVER_ERROR_CODES.verifyFailed,
        `write endpoint still points at ${current?.value ?? 'nothing'}`,
      );
    }
  },
  async undo(ctx, record) {
    const before = record.data?.before as { type: RRType; value: string; ttl: number } | null | undefined;
    if (before) await upsert(ctx, before, `chdr rollback of run ${ctx.runId}`);
  },
});
