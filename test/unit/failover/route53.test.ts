import { readFileSync } from 'node:fs';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type Change,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import type { ClickHouseConnection } from '../../../lib/clickhouse/types.js';
import type { ReplicaEndpoint, Site } from '../../../lib/config/index.js';
import { FAILOVER_ERROR_CODES } from '../../../lib/failover/errors.js';
import { endpointTarget, pickEndpointRecord, replaceChanges } from '../../../lib/failover/route53-records.js';
import { route53Step } from '../../../lib/failover/steps/route53.js';
import type { StepContext } from '../../../lib/failover/types.js';
import { SimCluster } from './fake-cluster.js';

/**
 * The write-endpoint step against a strict in-memory Route 53 (the rules moto does not enforce: a
 * batch is all or nothing, DELETE must name the record exactly as it is, CREATE fails on an existing
 * name/type/set identifier, changes stay PENDING for a while) and replicas of which some are not
 * healthy. test/integration/failover-route53.test.ts runs the same step on moto.
 */

const RECORD = 'write.example.com';
const HEALTHY_ROW = JSON.parse(
  readFileSync('test/unit/clickhouse/fixtures/system_replicas-18.16-healthy.jsonl', 'utf8').split('\n')[0]!,
) as Record<string, unknown>;

const key = (set: ResourceRecordSet) =>
  `${set.Name?.replace(/\.$/, '')}|${set.Type}|${set.SetIdentifier ?? ''}`;

/** A hosted zone with Route 53's rules; `pendingPolls` GetChange calls answer PENDING before INSYNC. */
class StrictRoute53 {
  readonly sets = new Map<string, ResourceRecordSet>();
  readonly batches: Change[][] = [];
  getChangeCalls = 0;

  constructor(
    initial: ResourceRecordSet[],
    private readonly pendingPolls = 2,
  ) {
    for (const set of initial) this.sets.set(key(set), { ...set, Name: `${RECORD}.` });
  }

  async send(command: unknown): Promise<unknown> {
    if (command instanceof ListResourceRecordSetsCommand) {
      return { ResourceRecordSets: [...this.sets.values()], IsTruncated: false };
    }
    if (command instanceof GetChangeCommand) {
      this.getChangeCalls += 1;
      return {
        ChangeInfo: {
          Id: command.input.Id,
          Status: this.getChangeCalls > this.pendingPolls ? 'INSYNC' : 'PENDING',
        },
      };
    }
    if (command instanceof ChangeResourceRecordSetsCommand) {
      const changes = command.input.ChangeBatch!.Changes!;
      const next = new Map(this.sets);
      for (const change of changes) {
        const set = { ...change.ResourceRecordSet!, Name: `${RECORD}.` };
        const existing = next.get(key(set));
        if (change.Action === 'DELETE') {
          if (JSON.stringify(existing) !== JSON.stringify(set))
            throw new Error(`InvalidChangeBatch: ${key(set)} not found as given`);
          next.delete(key(set));
        } else if (change.Action === 'CREATE') {
          if (existing) throw new Error(`InvalidChangeBatch: ${key(set)} already exists`);
          const clash = [...next.values()].some((s) => s.Type === 'CNAME' || set.Type === 'CNAME');
          if (clash) throw new Error('InvalidChangeBatch: a CNAME cannot share its name');
          next.set(key(set), set);
        } else {
          if (existing && existing.Type !== set.Type) throw new Error('UPSERT cannot change the type');
          next.set(key(set), set);
        }
      }
      this.sets.clear();
      for (const [k, v] of next) this.sets.set(k, v);
      this.batches.push(changes);
      return { ChangeInfo: { Id: `/change/C${this.batches.length}`, Status: 'PENDING' } };
    }
    throw new Error('unexpected command');
  }
}

const replica = (name: string, host: string): ReplicaEndpoint =>
  ({ name, host, httpPort: 8123, tls: false, user: 'default' }) as ReplicaEndpoint;

/** Replicas by name: `down` refuses connections, `ro` has a readonly table, the rest are healthy. */
const connect = (endpoint: ReplicaEndpoint): ClickHouseConnection =>
  ({
    endpoint: endpoint.name,
    queryRows: async () => {
      if (endpoint.name.startsWith('down')) throw new Error(`${endpoint.name}: connection refused`);
      const ro = endpoint.name.startsWith('ro') ? 1 : 0;
      return [{ ...HEALTHY_ROW, is_readonly: ro, is_session_expired: ro }];
    },
  }) as unknown as ClickHouseConnection;

const contextFor = (route53: StrictRoute53, options: { setIdentifier?: string } = {}): StepContext => {
  const sim = new SimCluster({
    failoverExtra: `  route53: { hostedZoneId: Z1, recordName: ${RECORD}, ttl: 30${options.setIdentifier ? `, setIdentifier: ${options.setIdentifier}` : ''} }\n`,
  });
  const deps = sim.deps({ route53: route53 as never, connect });
  const [from, to] = sim.topology.sites as [Site, Site];
  let now = 1_000_000;
  return {
    topology: sim.topology,
    settings: sim.topology.failover,
    request: { kind: 'failover', from: from.name, to: to.name },
    runId: 'run-1',
    from,
    to,
    deps: {
      ...deps,
      connect,
      clock: { now: () => now },
      sleep: async (ms: number) => {
        now += ms;
      },
      pollIntervalMs: 500,
    } as StepContext['deps'],
    facts: {},
    deadline: now + 5_000,
    note: () => undefined,
    undo: {},
    defer: (action) => action(),
  };
};

const siteWith = (ctx: StepContext, replicas: ReplicaEndpoint[]): Site => ({ ...ctx.to, replicas });

const values = (route53: StrictRoute53) =>
  [...route53.sets.values()].map(
    (s) =>
      `${s.Type} ${s.AliasTarget?.DNSName ?? s.ResourceRecords?.[0]?.Value}${s.SetIdentifier ? ` [${s.SetIdentifier}]` : ''}`,
  );

describe('the write endpoint step', () => {
  it('points the record at the first healthy replica, skipping unreachable and readonly ones', async () => {
    const route53 = new StrictRoute53([
      { Name: RECORD, Type: 'A', TTL: 30, ResourceRecords: [{ Value: '10.0.0.1' }] },
    ]);
    const ctx = contextFor(route53);
    const step = route53Step(
      siteWith(ctx, [
        replica('down-1', '10.1.0.1'),
        replica('ro-2', '10.1.0.2'),
        replica('ok-3', '10.1.0.3'),
      ]),
    );

    const output = await step.run(ctx);
    await step.verify(ctx);

    expect(values(route53)).toEqual(['A 10.1.0.3']);
    expect(output.facts).toEqual({ writeEndpoint: 'ok-3' });
  });

  it('fails when no replica of the new primary is healthy before the deadline, changing nothing', async () => {
    const route53 = new StrictRoute53([
      { Name: RECORD, Type: 'A', TTL: 30, ResourceRecords: [{ Value: '10.0.0.1' }] },
    ]);
    const ctx = contextFor(route53);
    const step = route53Step(siteWith(ctx, [replica('ro-1', '10.1.0.1')]));

    await expect(step.run(ctx)).rejects.toMatchObject({
      code: FAILOVER_ERROR_CODES.timeout,
      message: expect.stringContaining('ro-1: readonly'),
    });
    expect(route53.batches).toEqual([]);
  });

  it('replaces a CNAME by an A record in one batch (DELETE + CREATE), and undo restores the CNAME', async () => {
    const cname: ResourceRecordSet = {
      Name: RECORD,
      Type: 'CNAME',
      TTL: 60,
      ResourceRecords: [{ Value: 'old.example.com' }],
    };
    const route53 = new StrictRoute53([cname]);
    const ctx = contextFor(route53);
    const step = route53Step(siteWith(ctx, [replica('ok-1', '10.1.0.1')]));

    await step.run(ctx);
    await step.verify(ctx);
    expect(values(route53)).toEqual(['A 10.1.0.1']);
    expect(route53.batches[0]!.map((c) => `${c.Action} ${c.ResourceRecordSet!.Type}`)).toEqual([
      'DELETE CNAME',
      'CREATE A',
    ]);

    await step.undo!(ctx, ctx.undo);
    expect(values(route53)).toEqual(['CNAME old.example.com']);
  });

  it('points at a name with a CNAME, and restores an alias record exactly', async () => {
    const alias: ResourceRecordSet = {
      Name: RECORD,
      Type: 'A',
      AliasTarget: { HostedZoneId: 'Z2', DNSName: 'lb-1.elb.amazonaws.com.', EvaluateTargetHealth: true },
    };
    const route53 = new StrictRoute53([alias]);
    const ctx = contextFor(route53);
    const step = route53Step(siteWith(ctx, [replica('ok-1', 'ch3.standby.internal')]));

    await step.run(ctx);
    expect(values(route53)).toEqual(['CNAME ch3.standby.internal']);
    await step.undo!(ctx, ctx.undo);

    expect([...route53.sets.values()]).toEqual([{ ...alias, Name: `${RECORD}.` }]);
  });

  it('waits for INSYNC with GetChange, and times out at the step deadline', async () => {
    const plain = { Name: RECORD, Type: 'A' as const, TTL: 30, ResourceRecords: [{ Value: '10.0.0.1' }] };
    const syncing = new StrictRoute53([plain], 2);
    const never = new StrictRoute53([plain], Number.POSITIVE_INFINITY);
    const ctx = contextFor(syncing);
    const stuck = contextFor(never);

    await route53Step(siteWith(ctx, [replica('ok-1', '10.1.0.1')])).run(ctx);
    expect(syncing.getChangeCalls).toBe(3);
    await expect(
      route53Step(siteWith(stuck, [replica('ok-1', '10.1.0.1')])).run(stuck),
    ).rejects.toMatchObject({
      code: FAILOVER_ERROR_CODES.timeout,
      message: expect.stringContaining('INSYNC'),
    });
  });

  it('changes only the configured member of a weighted set, keeping its weight', async () => {
    const member = (id: string, weight: number, value: string): ResourceRecordSet => ({
      Name: RECORD,
      Type: 'A',
      TTL: 30,
      ResourceRecords: [{ Value: value }],
      SetIdentifier: id,
      Weight: weight,
    });
    const route53 = new StrictRoute53([member('main', 90, '10.0.0.1'), member('canary', 10, '10.0.0.9')]);
    const ctx = contextFor(route53, { setIdentifier: 'main' });

    await route53Step(siteWith(ctx, [replica('ok-1', '10.1.0.1')])).run(ctx);

    expect(route53.sets.get(`${RECORD}|A|main`)).toMatchObject({
      Weight: 90,
      ResourceRecords: [{ Value: '10.1.0.1' }],
    });
    expect(values(route53)).toContain('A 10.0.0.9 [canary]');
  });

  it('undo leaves the record alone when someone changed it since', async () => {
    const route53 = new StrictRoute53([
      { Name: RECORD, Type: 'A', TTL: 30, ResourceRecords: [{ Value: '10.0.0.1' }] },
    ]);
    const ctx = contextFor(route53);
    const step = route53Step(siteWith(ctx, [replica('ok-1', '10.1.0.1')]));
    await step.run(ctx);
    route53.sets.set(`${RECORD}|A|`, {
      Name: `${RECORD}.`,
      Type: 'A',
      TTL: 30,
      ResourceRecords: [{ Value: '10.9.9.9' }],
    });

    await step.undo!(ctx, ctx.undo);

    expect(values(route53)).toEqual(['A 10.9.9.9']);
  });
});

describe('pickEndpointRecord', () => {
  const a = (extra: Partial<ResourceRecordSet> = {}): ResourceRecordSet => ({
    Name: `${RECORD}.`,
    Type: 'A',
    TTL: 30,
    ResourceRecords: [{ Value: '10.0.0.1' }],
    ...extra,
  });

  it('finds the record by name whatever the case and trailing dot, ignoring other names and types', () => {
    const txt = a({ Type: 'TXT' });
    const other = a({ Name: 'other.example.com.' });

    expect(
      pickEndpointRecord([other, txt, a({ Name: 'WRITE.example.com' })], { recordName: RECORD }),
    ).toMatchObject({ Type: 'A' });
    expect(pickEndpointRecord([other, txt], { recordName: RECORD })).toBeNull();
  });

  it('refuses a routing policy set without a configured member, and a member that does not exist', () => {
    const sets = [a({ SetIdentifier: 'east', Weight: 1 }), a({ SetIdentifier: 'west', Weight: 1 })];

    expect(() => pickEndpointRecord(sets, { recordName: RECORD })).toThrow(/SetIdentifier east, west/);
    expect(() => pickEndpointRecord(sets, { recordName: RECORD, setIdentifier: 'north' })).toThrow(
      /it has east, west/,
    );
  });

  it('refuses two endpoint records of one name (A and AAAA)', () => {
    expect(() =>
      pickEndpointRecord([a(), a({ Type: 'AAAA', ResourceRecords: [{ Value: '::1' }] })], {
        recordName: RECORD,
      }),
    ).toThrow(/remove the other/);
  });

  it('chooses A, AAAA or CNAME by the replica host', () => {
    expect(endpointTarget('10.0.0.5').type).toBe('A');
    expect(endpointTarget('fd00::5').type).toBe('AAAA');
    expect(endpointTarget('ch3.internal').type).toBe('CNAME');
    expect(replaceChanges(null, a()).map((c) => c.Action)).toEqual(['CREATE']);
  });
});
