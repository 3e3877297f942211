import { HEARTBEAT_MEMORY_VERSION } from './constants.js';
import type { HeartbeatMemory } from './types.js';

type SourceMemory = HeartbeatMemory['sources'][string];

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** One source's memory as stored, or undefined when any field is missing or of another type. */
const sourceOf = (value: unknown): SourceMemory | undefined =>
  isObject(value) &&
  isCount(value.lastUpdatedAt) &&
  isCount(value.unchangedCycles) &&
  typeof value.firstReadAt === 'number' &&
  Number.isFinite(value.firstReadAt)
    ? {
        lastUpdatedAt: value.lastUpdatedAt,
        unchangedCycles: value.unchangedCycles,
        firstReadAt: value.firstReadAt,
      }
    : undefined;

export const emptyHeartbeatMemory = (): HeartbeatMemory => ({
  version: HEARTBEAT_MEMORY_VERSION,
  sources: {},
});

/**
 * Reads persisted memory back. Anything unusable (missing, another version, hand-edited) yields
 * undefined: stall counting then starts over, which is safe.
 */
export const parseHeartbeatMemory = (value: unknown): HeartbeatMemory | undefined => {
  if (!isObject(value) || value.version !== HEARTBEAT_MEMORY_VERSION || !isObject(value.sources))
    return undefined;
  const sources: HeartbeatMemory['sources'] = {};
  for (const [site, stored] of Object.entries(value.sources)) {
    const source = sourceOf(stored);
    if (source === undefined) return undefined;
    sources[site] = source;
  }
  return { version: HEARTBEAT_MEMORY_VERSION, sources };
};
