/** How a site was fenced. */
export const FENCE_METHODS = {
  /** Reached over the executor: coordination and replicas stopped and disabled (no start at boot). */
  stoppedAndDisabled: 'stopped-and-disabled',
  /** Unreachable, its instances force-stopped through its region's EC2 API. */
  instanceStopped: 'instance-stopped',
  /** Local cluster: the recorded pids were SIGKILLed (works on a frozen process too). */
  processKilled: 'process-killed',
  /** Neither confirmed: the operator said what was done by hand (`--fence-unconfirmed`). */
  acknowledged: 'acknowledged',
} as const;

/** State store keys: `roles#<cluster>` and `verdict#<cluster>#<site>`. */
export const ROLES_KEYS = {
  rolesPrefix: 'roles#',
  verdictPrefix: 'verdict#',
} as const;

/** A verdict is kept a day (DynamoDB TTL); the preflight judges its age itself. */
export const VERDICT_TTL_SECONDS = 24 * 3600;
