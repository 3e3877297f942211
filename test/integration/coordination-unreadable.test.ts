import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadTopology, type CoordinationNode } from '../../lib/config/index.js';
import {
  assessCoordinationNode,
  assessEnsemble,
  probeCoordinationNode,
  sendFourLetterWord,
  type EnsembleMember,
  type NodeLimits,
} from '../../lib/keeper/index.js';
import { ZOOKEEPER_JVM_FLAGS, ZOOKEEPER_MAIN } from '../../lib/localcluster/constants.js';
import { resolveBinaries } from '../../lib/localcluster/deps.js';
import { systemClock } from '../../lib/probe/index.js';
import { until } from '../support/wait.js';

// Issue 13.4 against real ZooKeeper 3.8 servers: one with a restricted 4lw.commands.whitelist, one whose
// client port speaks TLS only (secureClientPort), both extra to the local cluster and on its port range.
const portBase = inject('clusterPortBase');
const PORTS = { restricted: portBase + 90, tlsPlain: portBase + 91, tlsSecure: portBase + 92 };
const limits: NodeLimits = {
  outstandingRequestsWarn: 10,
  avgLatencyWarnMs: 500,
  maxLatencyWarnMs: 2000,
  openFileDescriptorsWarnRatio: 0.8,
};

const workDir = mkdtempSync(join(tmpdir(), 'chdr-zk-4lw-'));
const servers: ChildProcess[] = [];
let clusterNodes: CoordinationNode[] = [];

const startZooKeeper = (name: string, lines: string[]): void => {
  const dir = join(workDir, name);
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(
    join(dir, 'zoo.cfg'),
    ['tickTime=2000', `dataDir=${join(dir, 'data')}`, 'admin.enableServer=false', ...lines, ''].join('\n'),
  );
  const binaries = resolveBinaries();
  const child = spawn(
    binaries.java,
    [...ZOOKEEPER_JVM_FLAGS, '-cp', binaries.zookeeperClasspath, ZOOKEEPER_MAIN, join(dir, 'zoo.cfg')],
    { cwd: dir, stdio: 'ignore' },
  );
  servers.push(child);
};

const listening = (port: number) =>
  until(
    () => sendFourLetterWord({ host: '127.0.0.1', port }, 'ruok', { timeoutMs: 1_000 }),
    (reply) => reply.ok || reply.code !== 'CONNECTION_REFUSED',
    30_000,
  );

beforeAll(async () => {
  clusterNodes = (await loadTopology(inject('topologyPath'))).sites.flatMap((site) => site.coordination);
  // The TLS server's keystore: the test certificate (test/tls-certs) as PKCS12, which ZooKeeper 3.8 reads.
  const tls = (name: string) => fileURLToPath(new URL(`../tls-certs/${name}`, import.meta.url));
  execFileSync('openssl', [
    'pkcs12',
    '-export',
    '-in',
    tls('server.pem'),
    '-inkey',
    tls('server.key'),
    '-out',
    join(workDir, 'keystore.p12'),
    '-passout',
    'pass:chdr-test',
  ]);
  startZooKeeper('restricted', [
    'clientPortAddress=127.0.0.1',
    `clientPort=${PORTS.restricted}`,
    '4lw.commands.whitelist=ruok,isro',
  ]);
  startZooKeeper('tls', [
    'clientPortAddress=127.0.0.1',
    `clientPort=${PORTS.tlsPlain}`,
    'secureClientPortAddress=127.0.0.1',
    `secureClientPort=${PORTS.tlsSecure}`,
    'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory',
    `ssl.keyStore.location=${join(workDir, 'keystore.p12')}`,
    'ssl.keyStore.password=chdr-test',
    'ssl.keyStore.type=PKCS12',
    'ssl.clientAuth=none',
  ]);
  await Promise.all([listening(PORTS.restricted), listening(PORTS.tlsSecure)]);
}, 60_000);

afterAll(async () => {
  for (const server of servers) server.kill('SIGKILL');
  rmSync(workDir, { recursive: true, force: true });
});

const probeAs = async (site: string, node: CoordinationNode): Promise<EnsembleMember> => ({
  site,
  node,
  probe: await probeCoordinationNode(node, { timeoutMs: 2_000, clock: systemClock }),
});

describe('a ZooKeeper whose state chdr cannot fully read (real servers)', () => {
  it('with mntr outside the whitelist: its role still comes from srvr, and the node says to allow mntr', async () => {
    const node = {
      ...clusterNodes[0]!,
      name: 'zk-restricted',
      host: '127.0.0.1',
      clientPort: PORTS.restricted,
    };

    const { probe } = await probeAs('primary', node);
    const check = assessCoordinationNode('primary', { ...node, role: 'participant' }, probe, limits);

    expect(probe.mntr).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(probe.role).toBe('standalone');
    expect(check.status).toBe('warn');
    expect(check.summary).toContain('refuses mntr: allow it in 4lw.commands.whitelist');
  });

  it('behind a TLS-only port: unknown, not down, and the ensemble says what is known instead of "no quorum"', async () => {
    const [zk1, zk2, zk3] = clusterNodes.filter((node) => node.role === 'participant');
    const members = await Promise.all([
      probeAs('primary', zk1!),
      probeAs('primary', zk2!),
      probeAs('primary', { ...zk3!, host: '127.0.0.1', clientPort: PORTS.tlsSecure }),
    ]);

    const checks = assessEnsemble('primary', members, limits);
    const quorum = checks.find((check) => check.subject === 'quorum')!;

    expect(members[2]!.probe.role).toBe('unknown');
    expect(checks.filter((check) => check.status === 'critical')).toEqual([]);
    expect(quorum.values).toMatchObject({ quorum: true, participantsUp: 2, participantsUnknown: 1 });
    expect(quorum.summary).toMatch(/^quorum held: 2 of 3 participants confirmed serving; zk3 unreadable: /);
  });

  it('with two participants unreadable: "cannot tell", never "no quorum"', async () => {
    const [zk1, zk2, zk3] = clusterNodes.filter((node) => node.role === 'participant');
    const members = await Promise.all([
      probeAs('primary', zk1!),
      probeAs('primary', { ...zk2!, host: '127.0.0.1', clientPort: PORTS.tlsSecure }),
      probeAs('primary', { ...zk3!, host: '127.0.0.1', clientPort: PORTS.tlsSecure }),
    ]);

    const checks = assessEnsemble('primary', members, limits);

    expect(checks.filter((check) => check.status === 'critical')).toEqual([]);
    expect(checks.find((check) => check.subject === 'quorum')).toMatchObject({
      status: 'warn',
      values: { quorum: null, participantsUnknown: 2 },
    });
  });
});
