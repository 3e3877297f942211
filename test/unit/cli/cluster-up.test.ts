import { afterEach, describe, expect, it, vi } from 'vitest';
import { clusterUp } from '../../../lib/cli/actions/cluster.js';
import { isChdrError } from '../../../lib/errors/index.js';
import { LOCAL_CLUSTER_ERROR_CODES } from '../../../lib/localcluster/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('chdr cluster up', () => {
  it('refuses a port base in the ephemeral range before starting anything, without hinting at servers left running', async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });

    const refusal = await clusterUp({ dir: '/tmp/chdr-cluster-up-test', portBase: 40_000 }).catch(
      (error: unknown) => error,
    );

    expect(isChdrError(refusal, LOCAL_CLUSTER_ERROR_CODES.badPortBase)).toBe(true);
    expect(String((refusal as Error).message)).toMatch(/from 901 to 26000 .*ephemeral.*got 40000/);
    expect(written.join('')).not.toMatch(/servers that did start/);
  });
});
