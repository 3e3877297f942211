import type { CoordinationNode, Site, SiteRole, Topology } from '../config/index.js';
import type { Check } from '../health/index.js';
import type { EnsembleExpectations } from '../keeper/index.js';
import type { ClusterRoles, FenceRecord } from '../roles/index.js';

/** What the ensemble verdict expects under the live roles: their voters; fenced sites are not counted. */
export const expectationsOf = (roles: ClusterRoles): EnsembleExpectations => ({
  voters: new Set(roles.voters),
  inactiveSites: new Set(roles.fenced.map((fence) => fence.site)),
});

/**
 * The coordination nodes a cycle probes at `site`: those listed, and the spares the live roles say vote
 * (started by a failover to that site). Spares nobody promoted are not monitored: they are stopped.
 */
export const monitoredCoordination = (site: Site, expectations: EnsembleExpectations): CoordinationNode[] => [
  ...site.coordination,
  ...site.spareCoordination.filter((node) => expectations.voters.has(node.name)),
];

/** A site's role now: the one the live roles give it, not the one it was deployed with. */
export const liveRoleOf = (roles: ClusterRoles, site: string): SiteRole =>
  roles.primary === site ? 'primary' : 'standby';

/** The topology with the live roles in place of the deployed ones: for showing what is expected now. */
export const liveLayout = (topology: Topology, roles: ClusterRoles): Topology => ({
  ...topology,
  sites: topology.sites.map((site) => ({
    ...site,
    role: liveRoleOf(roles, site.name),
    coordination: site.coordination.map((node) => ({
      ...node,
      role: roles.voters.includes(node.name) ? 'participant' : 'observer',
    })),
  })),
});

/** "primary: standby since run r-12 (failover)", or "primary: primary (as deployed)". */
export const describePrimary = (roles: ClusterRoles): string =>
  roles.runId === null
    ? `primary: ${roles.primary} (as deployed)`
    : `primary: ${roles.primary} since run ${roles.runId} (${roles.operation ?? 'operation'}, ${roles.since})`;

/** The fence and the one step that lifts it, for a person. */
export const describeFence = (fence: FenceRecord, primary: string): string =>
  `site ${fence.site} is fenced (run ${fence.runId}, ${fence.method}, ${fence.at}, by ${fence.by}): ` +
  `its nodes are expected down and not counted; when it is repaired: chdr recover --from ${fence.site} --to ${primary}`;

/**
 * The `site-roles` checks every site reports: which site is primary now (ok), and each fenced site as a
 * warning naming the next step, so that a lost site is said once in the status, not paged every cycle.
 */
export const roleChecks = (site: string, roles: ClusterRoles, topology: Topology): Check[] => {
  const deployedPrimary = topology.sites.find((candidate) => candidate.role === 'primary')?.name;
  const values = {
    primary: roles.primary,
    deployedPrimary: deployedPrimary ?? null,
    runId: roles.runId,
    operation: roles.operation,
    since: roles.since,
    voters: roles.voters.join(','),
  };
  return [
    { kind: 'site-roles', site, subject: 'primary', status: 'ok', summary: describePrimary(roles), values },
    ...roles.fenced.map((fence): Check => ({
      kind: 'site-roles',
      site,
      subject: fence.site,
      status: 'warn',
      summary: describeFence(fence, roles.primary),
      values: { ...values, fencedSite: fence.site, fenceMethod: fence.method, fencedAt: fence.at },
    })),
  ];
};
