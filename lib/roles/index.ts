export { FENCE_METHODS, ROLES_KEYS, VERDICT_TTL_SECONDS } from './constants.js';
export {
  addFence,
  deployedRoles,
  fenceOf,
  liftFence,
  readRoles,
  readVerdict,
  removeFence,
  rolesKey,
  verdictKey,
  writeRoles,
  writeVerdict,
  type RolesWrite,
} from './store.js';
export type { ClusterRoles, FenceMethod, FenceRecord, SiteVerdict } from './types.js';
