export { PROBE_FAILURES, systemClock, type Clock, type ProbeFailureCode, type ProbeResult } from './types.js';
export { probeOk, probeFailed, failureCodeOf } from './timing.js';
