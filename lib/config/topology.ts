import { ChdrError } from '../errors/index.js';
import type { CoordinationNode, ReplicaEndpoint, Site, Topology } from './types.js';

export const UNKNOWN_SITE = 'CONFIG_UNKNOWN_SITE';

export const findSite = (topology: Topology, name: string): Site => {
  const site = topology.sites.find((candidate) => candidate.name === name);
  if (!site) {
    throw new ChdrError(
      UNKNOWN_SITE,
      `unknown site "${name}"; the config lists: ${topology.sites.map((s) => s.name).join(', ')}`,
    );
  }
  return site;
};

export const primarySite = (topology: Topology): Site =>
  topology.sites.find((site) => site.role === 'primary')!;

export const otherSites = (topology: Topology, site: Site): Site[] =>
  topology.sites.filter((candidate) => candidate.name !== site.name);

export const allReplicas = (topology: Topology): { site: Site; replica: ReplicaEndpoint }[] =>
  topology.sites.flatMap((site) => site.replicas.map((replica) => ({ site, replica })));

export const allCoordinationNodes = (topology: Topology): { site: Site; node: CoordinationNode }[] =>
  topology.sites.flatMap((site) => site.coordination.map((node) => ({ site, node })));
