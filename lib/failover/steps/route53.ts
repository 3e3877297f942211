import type {
  Change,
  ListResourceRecordSetsCommandOutput,
  ResourceRecordSet,
  RRType,
} from '@aws-sdk/client-route-53';
import type { ReplicaEndpoint, Site } from '../../config/index.js';
import { describeError } from '../../errors/index.js';
import { FAILOVER_ERROR_CODES, FailoverError } from '../errors.js';
import { waitUntil } from '../observe.js';
import {
  describeRecord,
  endpointRecord,
  endpointTarget,
  normaliseName,
  pickEndpointRecord,
  replaceChanges,
  sameRecord,
  type EndpointRecordRef,
} from '../route53-records.js';
import type { FailoverStep, StepContext } from '../types.js';
import { replicaWritableReason } from './clickhouse.js';

/** The SDK module, loaded on first use: a Lambda's module init stays config and code (issue 15). */
const sdk = () => import('@aws-sdk/client-route-53');

/** Route 53 lists at most this many record sets per page. */
const LIST_PAGE = 300;

const settingsOf = (ctx: StepContext) => {
  const route53 = ctx.settings.route53;
  if (!route53)
    throw new FailoverError(FAILOVER_ERROR_CODES.precondition, 'failover.route53 is not configured');
  if (!ctx.deps.route53)
    throw new FailoverError(
      FAILOVER_ERROR_CODES.precondition,
      'no Route 53 client (AWS credentials and region needed)',
    );
  const ref: EndpointRecordRef = {
    recordName: route53.recordName,
    ...(route53.setIdentifier ? { setIdentifier: route53.setIdentifier } : {}),
  };
  return { route53, ref, client: ctx.deps.route53 };
};

/** Every record set of the endpoint's name (all types and set identifiers), across pages. */
const listNamed = async (ctx: StepContext): Promise<ResourceRecordSet[]> => {
  const { route53, client } = settingsOf(ctx);
  const { ListResourceRecordSetsCommand } = await sdk();
  const sets: ResourceRecordSet[] = [];
  let start: { name: string; type?: RRType; identifier?: string } | undefined = { name: route53.recordName };
  while (start) {
    const out: ListResourceRecordSetsCommandOutput = await client.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: route53.hostedZoneId,
        StartRecordName: start.name,
        ...(start.type ? { StartRecordType: start.type } : {}),
        ...(start.identifier ? { StartRecordIdentifier: start.identifier } : {}),
        MaxItems: LIST_PAGE,
      }),
    );
    const page = out.ResourceRecordSets ?? [];
    sets.push(...page);
    // Sorted by name: once past ours (or at the end) nothing more of it follows.
    const more =
      out.IsTruncated && normaliseName(out.NextRecordName ?? '') === normaliseName(route53.recordName);
    start = more
      ? { name: out.NextRecordName!, type: out.NextRecordType, identifier: out.NextRecordIdentifier }
      : undefined;
  }
  return sets;
};

const currentRecord = async (ctx: StepContext): Promise<ResourceRecordSet | null> =>
  pickEndpointRecord(await listNamed(ctx), settingsOf(ctx).ref);

/** Sends one change batch and waits (until the step's deadline) for Route 53 to report it INSYNC. */
const applyChanges = async (ctx: StepContext, changes: Change[], comment: string): Promise<string> => {
  const { route53, client } = settingsOf(ctx);
  const { ChangeResourceRecordSetsCommand } = await sdk();
  const out = await client.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: route53.hostedZoneId,
      ChangeBatch: { Comment: comment, Changes: changes },
    }),
  );
  const changeId = out.ChangeInfo?.Id ?? '';
  await waitInSync(ctx, changeId, out.ChangeInfo?.Status);
  return changeId;
};

const waitInSync = async (ctx: StepContext, changeId: string, status?: string): Promise<void> => {
  if (status === 'INSYNC' || changeId === '') return;
  const { client } = settingsOf(ctx);
  const { GetChangeCommand } = await sdk();
  await waitUntil(ctx, `Route 53 change ${changeId} INSYNC on every authoritative server`, async () => {
    const out = await client.send(new GetChangeCommand({ Id: changeId }));
    return out.ChangeInfo?.Status === 'INSYNC' ? null : `status ${out.ChangeInfo?.Status ?? 'unknown'}`;
  });
};

/**
 * The first replica of `site`, in topology order, that answers with no readonly table: the endpoint
 * must not send writes to a replica that cannot take them. Waits until the step's deadline for one.
 */
const healthyReplica = async (ctx: StepContext, site: Site): Promise<ReplicaEndpoint> => {
  let chosen: ReplicaEndpoint | undefined;
  await waitUntil(ctx, `a healthy replica of ${site.name} for the write endpoint`, async () => {
    const reasons: string[] = [];
    for (const replica of site.replicas) {
      const reason = await replicaWritableReason(ctx, replica).catch((error: unknown) =>
        describeError(error),
      );
      if (reason === null) {
        chosen = replica;
        return null;
      }
      reasons.push(reason);
    }
    return reasons.join('; ');
  });
  return chosen!;
};

const ttlOf = (ctx: StepContext): number => settingsOf(ctx).route53.ttl;

interface EndpointUndo {
  before: ResourceRecordSet | null;
  after: ResourceRecordSet;
  changeId: string;
}

/**
 * Optional: points the write endpoint record at a healthy replica of the new primary, replacing the
 * current record (plain, alias, or a member of a routing policy set) in one batch, and waits until the
 * change is INSYNC. Undo puts the record back exactly as it was (alias included), or removes it when
 * there was none.
 */
export const route53Step = (to: Site): FailoverStep => ({
  id: 'write-endpoint',
  title: `Point the write endpoint (Route 53) at a healthy replica of ${to.name}`,
  kind: 'change',
  async plan(ctx) {
    const route53 = ctx.settings.route53;
    const candidates = to.replicas
      .map((r) => `${r.name} ${endpointTarget(r.host).type} ${r.host}`)
      .join(', ');
    const current = ctx.deps.route53
      ? await currentRecord(ctx).then(
          describeRecord,
          (error: unknown) => `unreadable: ${describeError(error)}`,
        )
      : 'not read (no Route 53 client)';
    return [
      {
        target: 'route53',
        via: 'aws',
        text:
          `ChangeResourceRecordSets ${route53?.hostedZoneId}: replace ${route53?.recordName}` +
          `${route53?.setIdentifier ? ` [${route53.setIdentifier}]` : ''} (now ${current}) ` +
          `by the first healthy of ${candidates}, TTL ${route53?.ttl} (DELETE + CREATE in one batch)`,
      },
      { target: 'route53', via: 'wait', text: 'GetChange until INSYNC' },
    ];
  },
  async isDone(ctx) {
    const current = await currentRecord(ctx);
    const replica = to.replicas.find((r) =>
      sameRecord(current, endpointRecord(settingsOf(ctx).ref, r.host, ttlOf(ctx), current)),
    );
    return (
      replica !== undefined && (await replicaWritableReason(ctx, replica).catch(() => 'unreachable')) === null
    );
  },
  async run(ctx) {
    const { ref, route53 } = settingsOf(ctx);
    const replica = await healthyReplica(ctx, to);
    const before = await currentRecord(ctx);
    const after = endpointRecord(ref, replica.host, route53.ttl, before);
    const undo: EndpointUndo = { before, after, changeId: '' };
    ctx.undo.data = undo as unknown as Record<string, unknown>;
    undo.changeId = await applyChanges(
      ctx,
      replaceChanges(before, after),
      `chdr ${ctx.request.kind} ${ctx.request.from}->${ctx.request.to} run ${ctx.runId}`,
    );
    return {
      notes: [
        `${route53.recordName}: ${describeRecord(before)} -> ${describeRecord(after)} (${replica.name})`,
      ],
      facts: { writeEndpoint: replica.name },
    };
  },
  async verify(ctx) {
    const { after } = (ctx.undo.data ?? {}) as Partial<EndpointUndo>;
    const current = await currentRecord(ctx);
    if (!after || !sameRecord(current, after)) {
      throw new FailoverError(
        FAILOVER_ERROR_CODES.verifyFailed,
        `write endpoint is ${describeRecord(current)}, not ${describeRecord(after)}`,
      );
    }
  },
  async undo(ctx, record) {
    const saved = record.data as Partial<EndpointUndo> | undefined;
    if (!saved?.after) return;
    const current = await currentRecord(ctx);
    // Nothing of ours to take back when the change never landed.
    if (!sameRecord(current, saved.after)) return;
    await applyChanges(
      ctx,
      replaceChanges(current, saved.before ?? null),
      `chdr rollback of run ${ctx.runId}`,
    );
  },
});
