export { FENCE_MARKER_PATH, GUARDED_SERVICES, GUARD_DROP_IN_NAME } from './constants.js';
export { Ec2InstanceFencer, type Ec2InstanceFencerOptions } from './ec2.js';
export { guardDropInPath, renderGuardDropIn } from './guard.js';
export { LocalPidFencer, localFenceGuard, localFencerFor } from './local.js';
export type { FenceOutcome, FenceTarget, InstanceFenceOptions, InstanceFencer } from './types.js';
export {
  answeringNodes,
  createFenceGuard,
  enforceFence,
  fenceNoticeKey,
  type FenceEnforcement,
  type FenceGuardDeps,
} from './enforce.js';
