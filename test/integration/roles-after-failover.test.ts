import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Topology } from '../../lib/config/index.js';
import { parseTopologyText } from '../../lib/config/parse.js';
import type { HealthReport } from '../../lib/cycle/index.js';
import { down, renderTopology, stopSite, up } from '../../lib/localcluster/index.js';
import { readRoles } from '../../lib/roles/index.js';
import { FileStateStore } from '../../lib/state/index.js';

// Issue 13 acceptance, on a cluster of its own (the shared one stays healthy): after a real forced failover,
// the standby's check judges against the roles the operation records, not the deployed layout. The roles
// record is written here the way the failover engine writes it (its writing is another change); the
// failover itself is the real `chdr failover --execute`.
const DIR = resolve('.chdr/roles-test');
/** Beside the shared cluster's ports; a few tries, in case another process holds one of them. */
const PORT_BASES = [500, 600, 700].map((offset) => inject('clusterPortBase') + offset);
const CLUSTER = 'rolesdrill';
const TOPOLOGY_FILE = resolve(DIR, 'topology.yaml');
const STATE_FILE = resolve('.chdr/state', `${CLUSTER}.json`);

const exec = promisify(execFile);
const chdr = async (...args: string[]) => {
  try {
    const { stdout } = await exec('node', ['bin/chdr.cjs', ...args], { timeout: 240_000 });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: `${failed.stdout}\n${failed.stderr}` };
  }
};
const criticalOf = (report: HealthReport) =>
  report.checks
    .filter((check) => check.status === 'critical')
    .map((c) => `${c.kind} ${c.subject}: ${c.summary}`);

let topology: Topology;
let httpPorts: Record<string, number> = {};

const tablesNamed = async (replica: string, table: string): Promise<number> => {
  const response = await fetch(`http://127.0.0.1:${httpPorts[replica]}/`, {
    method: 'POST',
    body: `SELECT count() FROM system.tables WHERE database = 'default' AND name = '${table}'`,
    signal: AbortSignal.timeout(10_000),
  });
  return Number((await response.text()).trim());
};

beforeAll(async () => {
  await exec('node', ['scripts/build-cli.mjs']);
  await down({ dir: DIR });
  await rm(DIR, { recursive: true, force: true });
  await rm(STATE_FILE, { force: true });
  const start = async (bases: number[]): Promise<Awaited<ReturnType<typeof up>>> => {
    try {
      return await up({ dir: DIR, portBase: bases[0]!, timeoutMs: 90_000 });
    } catch (error) {
      const inUse = (error as { code?: string }).code === 'LOCALCLUSTER_PORT_IN_USE';
      if (!inUse || bases.length === 1) throw error;
      await down({ dir: DIR });
      return start(bases.slice(1));
    }
  };
  const { state } = await start(PORT_BASES);
  httpPorts = Object.fromEntries(
    state.nodes.flatMap((node) => (node.kind === 'clickhouse' ? [[node.name, node.httpPort]] : [])),
  );
  // A heartbeat table nobody created yet: the cluster is fresh as far as this topology goes.
  const text = renderTopology(state)
    .text.replace(/^cluster: .*$/m, `cluster: ${CLUSTER}`)

    .replace('failover:\n', 'failover:\n  blockPeriodMinutes: 0\n')
    .concat('heartbeat:\n  table: hb_setup\n  zooKeeperPath: /clickhouse/tables/chdr/hb_setup\n');
  await writeFile(TOPOLOGY_FILE, text);
  topology = parseTopologyText(text, TOPOLOGY_FILE);
}, 180_000);

afterAll(async () => {
  await down({ dir: DIR });
  await rm(STATE_FILE, { force: true });
}, 60_000);

describe('chdr setup on a cluster without the heartbeat table', () => {
  it('creates it on every replica, prints the monitoring user, is idempotent, and check is then OK', async () => {
    expect(topology.heartbeat.table).toBe('hb_setup');
    for (const replica of ['ch1', 'ch2', 'ch3']) expect(await tablesNamed(replica, 'hb_setup')).toBe(0);

    const first = await chdr('setup', '--config', TOPOLOGY_FILE);
    const again = await chdr('setup', '--config', TOPOLOGY_FILE);
    const check = await chdr('check', '--config', TOPOLOGY_FILE);

    expect(first.code, first.stdout).toBe(0);
    for (const replica of ['ch1', 'ch2', 'ch3']) expect(await tablesNamed(replica, 'hb_setup')).toBe(1);
    expect(first.stdout).toContain('<allow_databases>'); // 18.16: no SQL user management, a users.d snippet
    expect(again.code, again.stdout).toBe(0);
    expect(check.code, check.stdout).toBe(0);
  }, 120_000);
});

describe('after a forced failover', () => {
  it('check --site standby has no critical check and status shows the new roles', async () => {
    await stopSite(DIR, 'primary');
    const failover = await chdr(
      'failover',
      '--config',
      TOPOLOGY_FILE,
      '--from',
      'primary',
      '--to',
      'standby',
      '--execute',
      '--json',
    );
    expect(failover.code, failover.stdout).toBe(0);
    const runId = (JSON.parse(failover.stdout) as { runId: string }).runId;

    // The failover recorded the live roles itself, in every site's store (one local file here).
    const roles = await readRoles(new FileStateStore(STATE_FILE), topology);
    expect(roles).toMatchObject({ primary: 'standby', runId, operation: 'failover' });
    expect(roles.fenced.map((fence) => fence.site)).toEqual(['primary']);

    const check = await chdr('check', '--config', TOPOLOGY_FILE, '--site', 'standby', '--json');
    const after = JSON.parse(check.stdout) as HealthReport;
    expect(criticalOf(after)).toEqual([]);
    expect(after.role).toBe('primary');
    const fence = after.checks.find(
      (c) => c.kind === 'site-roles' && c.subject === 'primary' && c.status === 'warn',
    );
    expect(fence?.summary).toContain('chdr recover --from primary --to standby');

    const status = await chdr('status', '--config', TOPOLOGY_FILE);
    expect(status.stdout).toContain(`primary: standby since run ${runId} (failover`);
    expect(status.stdout).toMatch(/fenced: site primary is fenced/);
    expect(status.stdout).toMatch(/zk4 {2}zookeeper (leader|standalone) \(expected participant\)/);
  }, 300_000);
});
