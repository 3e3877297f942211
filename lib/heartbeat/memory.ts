import * as z from 'zod';
import { HEARTBEAT_MEMORY_VERSION } from './constants.js';
import type { HeartbeatMemory } from './types.js';

const memorySchema = z.looseObject({
  version: z.literal(HEARTBEAT_MEMORY_VERSION),
  sources: z.record(
    z.string(),
    z.looseObject({
      lastUpdatedAt: z.number().int().nonnegative(),
      unchangedCycles: z.number().int().nonnegative(),
      firstReadAt: z.number(),
    }),
  ),
});

export const emptyHeartbeatMemory = (): HeartbeatMemory => ({
  version: HEARTBEAT_MEMORY_VERSION,
  sources: {},
});

/**
 * Reads persisted memory back. Anything unusable (missing, another version, hand-edited) yields
 * undefined: stall counting then starts over, which is safe.
 */
export const parseHeartbeatMemory = (value: unknown): HeartbeatMemory | undefined => {
  const parsed = memorySchema.safeParse(value);
  if (!parsed.success) return undefined;
  const sources: HeartbeatMemory['sources'] = {};
  for (const [site, entry] of Object.entries(parsed.data.sources)) {
    sources[site] = {
      lastUpdatedAt: entry.lastUpdatedAt,
      unchangedCycles: entry.unchangedCycles,
      firstReadAt: entry.firstReadAt,
    };
  }
  return { version: HEARTBEAT_MEMORY_VERSION, sources };
};
