import type { SiteRole } from '../config/index.js';
import type { Check, CheckStatus } from '../health/index.js';
import type { HeartbeatMemory } from '../heartbeat/index.js';

/** What one monitoring cycle found for one site. Plain JSON: logged, printed and stored as is. */
export interface HealthReport {
  cluster: string;
  site: string;
  region: string;
  role: SiteRole;
  /** ISO time the cycle started. */
  startedAt: string;
  durationMs: number;
  /** The worst status of all checks. */
  status: CheckStatus;
  checks: Check[];
  /** How heartbeat lag is measured, said in the report so nobody mistakes it for something else. */
  lagMethod: string;
  /** Carried to the next cycle to detect a source whose heartbeat stopped changing (clock-skew proof). */
  heartbeatMemory: HeartbeatMemory;
}
