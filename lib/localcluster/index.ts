export { up, down, status } from './lifecycle.js';
export {
  stopNode,
  startNode,
  stopSite,
  startSite,
  stopFetches,
  startFetches,
  startBlackhole,
  getNode,
} from './faults.js';
export { partition, heal, standbyCommand } from './partition.js';
export { planNetwork } from './netns.js';
export { readState } from './state.js';
export {
  fenceLocalNodes,
  localFenceOf,
  unfenceLocalNode,
  type LocalFence,
  type LocalFenceResult,
} from './fence.js';
export { planCluster } from './layout.js';
export { renderTopology } from './render-topology.js';
export { LocalClusterError, LOCAL_CLUSTER_ERROR_CODES } from './errors.js';
export { DEFAULT_CLUSTER_DIR, DEFAULT_PORT_BASE, LOCAL_SITES, PORT_OFFSETS } from './constants.js';
export type * from './types.js';
