import type { CoordinationNode, Site } from '../config/index.js';
import type { CoordinationEndpoint } from './clickhouse-config.js';
import { FAILOVER_ERROR_CODES, FailoverError } from './errors.js';
import type { KeeperServer } from './keeper-config.js';
import type { ZooKeeperServer } from './zookeeper-config.js';

/** The coordination kind of the topology (the schema allows only one). */
export const coordinationKind = (sites: readonly Site[]): CoordinationNode['kind'] | undefined =>
  sites.flatMap((site) => site.coordination)[0]?.kind;

const need = <T>(value: T | undefined, node: CoordinationNode, field: string): T => {
  if (value === undefined) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.precondition,
      `coordination node ${node.name} has no ${field} in the topology; it is needed to write the ensemble config`,
    );
  }
  return value;
};

export const zooKeeperServer = (node: CoordinationNode, role: ZooKeeperServer['role']): ZooKeeperServer => ({
  id: need(node.serverId, node, 'serverId'),
  host: node.host,
  peerPort: need(node.peerPort, node, 'peerPort'),
  electionPort: need(node.electionPort, node, 'electionPort'),
  role,
  clientPort: node.clientPort,
});

export const keeperServer = (node: CoordinationNode, canBecomeLeader: boolean): KeeperServer => ({
  id: need(node.serverId, node, 'serverId'),
  hostname: node.host,
  port: need(node.peerPort, node, 'peerPort'),
  canBecomeLeader,
});

/**
 * The nodes of the new ensemble formed at `site` on failover: its coordination nodes, then its spares
 * (started only then, so that the ensemble has the three voters the DR guide asks for).
 */
export const ensembleNodes = (site: Site): CoordinationNode[] => [
  ...site.coordination,
  ...site.spareCoordination,
];

/** The new ensemble at `site`: every coordination node listed there votes, its spares too. */
export const ensembleServers = (site: Site): ZooKeeperServer[] =>
  ensembleNodes(site).map((node) => zooKeeperServer(node, 'participant'));

/** The ensemble at `primary` with `followers`' nodes as observers (after recovery). */
export const ensembleWithObservers = (primary: Site, followers: Site): ZooKeeperServer[] => [
  ...ensembleServers(primary),
  ...followers.coordination.map((node) => zooKeeperServer(node, 'observer')),
];

export const keeperEnsemble = (site: Site): KeeperServer[] =>
  ensembleNodes(site).map((node) => keeperServer(node, true));

export const keeperEnsembleWithLearners = (primary: Site, followers: Site): KeeperServer[] => [
  ...keeperEnsemble(primary),
  ...followers.coordination.map((node) => keeperServer(node, false)),
];

/** Where ClickHouse replicas connect: the client ports of the voting nodes at `site`. */
export const clientEndpoints = (site: Site): CoordinationEndpoint[] =>
  ensembleNodes(site).map((node) => ({ host: node.host, port: node.clientPort }));
