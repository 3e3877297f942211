import type { Topology } from '../config/index.js';
import { describeError } from '../errors/index.js';
import type { StateStore } from '../state/index.js';
import { ROLES_KEYS, VERDICT_TTL_SECONDS } from './constants.js';
import type { ClusterRoles, FenceRecord, SiteVerdict } from './types.js';

export const rolesKey = (cluster: string): string => `${ROLES_KEYS.rolesPrefix}${cluster}`;
export const verdictKey = (cluster: string, site: string): string =>
  `${ROLES_KEYS.verdictPrefix}${cluster}#${site}`;

/** The roles the deployed topology describes: what holds until an operation records otherwise. */
export const deployedRoles = (topology: Topology): ClusterRoles => ({
  cluster: topology.cluster,
  primary: topology.sites.find((site) => site.role === 'primary')!.name,
  since: new Date(0).toISOString(),
  runId: null,
  operation: null,
  voters: topology.sites.flatMap((site) =>
    site.coordination.filter((node) => node.role === 'participant').map((node) => node.name),
  ),
  fenced: [],
});

/** The live roles from one store, or the deployed ones when none were recorded. */
export const readRoles = async (store: StateStore, topology: Topology): Promise<ClusterRoles> =>
  (await store.get<ClusterRoles>(rolesKey(topology.cluster)))?.value ?? deployedRoles(topology);

/** Where a write of the roles went: each site's store, and what failed (a lost region's table may not answer). */
export interface RolesWrite {
  written: string[];
  failed: { site: string; reason: string }[];
}

/** Runs one write per site's store; each failure is reported with its site, none is thrown. */
const forEachSite = async (
  sites: readonly string[],
  write: (site: string) => Promise<unknown>,
): Promise<RolesWrite> => {
  const outcomes = await Promise.all(
    sites.map(async (site) => {
      try {
        await write(site);
        return { site, reason: null };
      } catch (error) {
        return { site, reason: describeError(error) };
      }
    }),
  );
  return {
    written: outcomes.filter((o) => o.reason === null).map((o) => o.site),
    failed: outcomes.flatMap((o) => (o.reason === null ? [] : [{ site: o.site, reason: o.reason }])),
  };
};

/**
 * Writes the roles to every site's store (both regions read their own table). A failure at one site is
 * reported, not thrown: the lost region's table is expected to fail; the caller decides what is enough.
 */
export const writeRoles = (
  storeOf: (site: string) => StateStore,
  sites: readonly string[],
  roles: ClusterRoles,
): Promise<RolesWrite> => forEachSite(sites, (site) => storeOf(site).put(rolesKey(roles.cluster), roles));

/** The fence of a site, if it is fenced now. */
export const fenceOf = (roles: ClusterRoles, site: string) => roles.fenced.find((f) => f.site === site);

export const writeVerdict = async (store: StateStore, verdict: SiteVerdict): Promise<void> => {
  await store.put(verdictKey(verdict.cluster, verdict.site), verdict, { ttlSeconds: VERDICT_TTL_SECONDS });
};

export const readVerdict = async (
  store: StateStore,
  cluster: string,
  site: string,
): Promise<SiteVerdict | undefined> => (await store.get<SiteVerdict>(verdictKey(cluster, site)))?.value;

/**
 * Read-modify-write of the roles in every site's store, so a store that holds newer roles keeps them;
 * `change` returns the roles to write, or undefined to leave that store as it is. Like `writeRoles`, a
 * store that fails is reported.
 */
const updateRoles = (
  storeOf: (site: string) => StateStore,
  topology: Topology,
  change: (roles: ClusterRoles) => ClusterRoles | undefined,
): Promise<RolesWrite> =>
  forEachSite(
    topology.sites.map((site) => site.name),
    async (site) => {
      const store = storeOf(site);
      const roles = await readRoles(store, topology);
      const changed = change(roles);
      if (changed) await store.put(rolesKey(roles.cluster), changed);
    },
  );

/** Adds (or replaces) a site's fence in the roles of every site's store. */
export const addFence = (
  storeOf: (site: string) => StateStore,
  topology: Topology,
  fence: FenceRecord,
): Promise<RolesWrite> =>
  updateRoles(storeOf, topology, (roles) => ({
    ...roles,
    fenced: [...liftFence(roles, fence.site).fenced, fence],
  }));

/** Removes a site's fence from the roles of every site's store (a rolled-back fence; `chdr recover`). */
export const removeFence = (
  storeOf: (site: string) => StateStore,
  topology: Topology,
  site: string,
): Promise<RolesWrite> =>
  updateRoles(storeOf, topology, (roles) => (fenceOf(roles, site) ? liftFence(roles, site) : undefined));

/** The roles without a fence on `site` (what a successful `chdr recover` of that site leaves). */
export const liftFence = (roles: ClusterRoles, site: string): ClusterRoles => ({
  ...roles,
  fenced: roles.fenced.filter((f) => f.site !== site),
});
