import type * as z from 'zod';
import type { topologySchema } from './schema.js';
import type { COORDINATION_KINDS, COORDINATION_ROLES, SITE_ROLES } from './constants.js';

export type SiteRole = (typeof SITE_ROLES)[number];
export type CoordinationKind = (typeof COORDINATION_KINDS)[number];
export type CoordinationRole = (typeof COORDINATION_ROLES)[number];

/** The validated, fully defaulted topology. Frozen once loaded. */
export type Topology = z.output<typeof topologySchema>;
export type Site = Topology['sites'][number];
export type ReplicaEndpoint = Site['replicas'][number];
export type CoordinationNode = Site['coordination'][number];
export type Thresholds = Topology['thresholds'];
export type FailoverSettings = Topology['failover'];
export type Hook = FailoverSettings['hooks']['pre'][number];
export type SecretRef = NonNullable<ReplicaEndpoint['password']>;

/** One problem in a config file, as `path: message`. */
export interface ConfigProblem {
  path: string;
  message: string;
}
