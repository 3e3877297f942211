import { isAbsolute, relative } from 'node:path';
import { type Topology } from '../config/index.js';
import { parseTopologyText } from '../config/parse.js';
import { clickHouseNodes, zooKeeperNodes } from './layout.js';
import { CLUSTER_NAME, LOCAL_SITES } from './constants.js';
import type { ClusterState, LocalSite, ZooKeeperNodeState } from './types.js';

/** The AWS region each local site stands in for (examples/local.yaml). */
const SITE_REGIONS: Record<LocalSite, string> = { primary: 'us-east-1', standby: 'us-west-2' };

/** The cluster directory as the commands name it: relative to the working directory when inside it. */
const commandDir = (dir: string): string => {
  const inside = relative(process.cwd(), dir);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : dir;
};

/**
 * Failover drives the local cluster through its own CLI (the local executor runs these in the working
 * directory). `flock` serialises the CLI calls: the cluster's state.json is not safe against two writers.
 */
const failoverSection = (state: ClusterState): string[] => {
  const dir = commandDir(state.dir);
  const cli = `flock ${dir}/.failover.lock node bin/chdr.cjs cluster`;
  return [
    'failover:',
    '  executor: { kind: local }',
    '  stepTimeoutSeconds: 60',
    '  paths:',
    `    zookeeperConfig: ${dir}/{node}/zoo.cfg`,
    `    clickhouseCoordinationConfig: ${dir}/{node}/config.d/zookeeper.xml`,
    '  commands:',
    `    stopCoordination: ${cli} stop {node} --dir ${dir}`,
    `    startCoordination: ${cli} start {node} --dir ${dir}`,
    `    stopClickHouse: ${cli} stop {node} --dir ${dir}`,
    `    startClickHouse: ${cli} start {node} --dir ${dir}`,
    `    fenceNode: ${cli} fence {node} --dir ${dir} --run-id {runId}`,
    `    unfenceNode: ${cli} unfence {node} --dir ${dir}`,
  ];
};

const zooKeeperLine = (node: ZooKeeperNodeState, role: string): string =>
  `      - { name: ${node.name}, kind: zookeeper, host: ${node.host}, clientPort: ${node.clientPort}, ` +
  `role: ${role}, serverId: ${node.serverId}, peerPort: ${node.peerPort}, electionPort: ${node.electionPort} }`;

/** The site's spares (opt-in): voters of the new ensemble when a failover promotes the site. */
const spareLines = (spares: readonly ZooKeeperNodeState[]): string[] =>
  spares.length === 0
    ? []
    : ['    spareCoordination:', ...spares.map((node) => zooKeeperLine(node, 'participant'))];

/**
 * The chdr topology of a local cluster, in the layout of examples/local.yaml (with the default port
 * base it parses to the same topology). Returns the text and the validated topology.
 */
export const renderTopology = (state: ClusterState): { text: string; topology: Topology } => {
  const site = (name: LocalSite) => [
    `  - name: ${name}`,
    `    region: ${SITE_REGIONS[name]}`,
    `    role: ${name}`,
    '    replicas:',
    ...clickHouseNodes(state)
      .filter((node) => node.site === name)
      .map((node) => `      - { name: ${node.name}, host: ${node.host}, httpPort: ${node.httpPort} }`),
    '    coordination:',
    ...zooKeeperNodes(state)
      .filter((node) => node.site === name && node.role !== 'spare')
      .map((node) => zooKeeperLine(node, node.role)),
    ...spareLines(zooKeeperNodes(state).filter((node) => node.site === name && node.role === 'spare')),
  ];
  const text = [
    state.network
      ? `# The local two-site cluster started by \`chdr cluster up --netns\` (standby site in namespace ${state.network.namespaces.standby}).`
      : '# The local two-site cluster started by `chdr cluster up` (all on loopback).',
    `# Written by chdr cluster up for ${state.dir} (port base ${state.portBase}).`,
    '# primary: ZooKeeper participants zk1..zk3 and ClickHouse replicas ch1, ch2',
    '# standby: ZooKeeper observer zk4 and ClickHouse replica ch3',
    `cluster: ${CLUSTER_NAME}`,
    'sites:',
    ...LOCAL_SITES.flatMap(site),
    'thresholds:',
    '  heartbeatLagWarnSeconds: 5',
    '  heartbeatLagCriticalSeconds: 10',
    'timeouts:',
    '  probeMs: 1500',
    '  cycleMs: 8000',
    'schedule: rate(1 minute)',
    ...failoverSection(state),
    'securityLint:',
    '  acknowledge: [NO_PASSWORD, PLAIN_HTTP, PLAIN_COORDINATION_ACROSS_REGIONS]',
    '',
  ].join('\n');
  return { text, topology: parseTopologyText(text, state.topologyPath) };
};
