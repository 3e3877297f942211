export {
  lintTopology,
  lintCrossRegionCoordination,
  lintKeeperNode,
  lintUsers,
  securityChecks,
  type Finding,
  type SecurityFindingCode,
} from './lint.js';
export { SECURITY_FINDINGS } from './constants.js';
