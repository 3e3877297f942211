// The CLI side of `npm run bench`: start-up of `chdr --help`, and a cold `chdr check` against the
// reference guide's shell checks of the same topology, each pair interleaved in one run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Topology } from '../lib/config/index.js';
import type { BenchLog } from './bench-measure.js';
import { interleavedMedians, ms, timeCommand } from './bench-measure.js';

// Start-up times of short processes vary by several ms from one run to the next: medians of 15.
const ROUNDS = 15;

/** The reference guide's checks as a strict shell script: curl /replicas_status, echo mntr | nc, heartbeat. */
export const shellChecks = (topology: Topology, site: string): string => {
  const lines = ['set -eu'];
  for (const s of topology.sites) {
    for (const node of s.coordination)
      lines.push(`echo mntr | nc -w 3 ${node.host} ${node.clientPort} >/dev/null`);
  }
  const own = topology.sites.find((s) => s.name === site)!;
  for (const replica of own.replicas)
    lines.push(`curl -sSf -m 3 http://${replica.host}:${replica.httpPort}/replicas_status >/dev/null`);
  const replica = own.replicas[0]!;
  const url = `http://${replica.host}:${replica.httpPort}/`;
  lines.push(
    `curl -sSf -m 3 '${url}' --data-binary "INSERT INTO default.heart_beat SELECT '${site}', now()" >/dev/null`,
  );
  lines.push(
    `curl -sSf -m 3 '${url}' --data-binary "SELECT site_id, now() - max(updated_at) FROM default.heart_beat GROUP BY site_id" >/dev/null`,
  );
  return lines.join('\n');
};

export const requireShellTools = (): void => {
  if (spawnSync('sh', ['-c', 'command -v curl && command -v nc'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('the shell baseline needs curl and nc: apt-get install curl netcat-openbsd');
  }
};

export const benchStartup = async (log: BenchLog): Promise<void> => {
  process.stderr.write('CLI start-up\n');
  const [bare, help] = await interleavedMedians(ROUNDS, [
    () => timeCommand('node', ['-e', '0']),
    () => timeCommand('node', ['bin/chdr.cjs', '--help']),
  ]);
  log.figure('`node -e 0` (bare Node start-up)', ms(bare!), `median of ${ROUNDS}`);
  log.figure(
    '`chdr --help`',
    ms(help!),
    `median of ${ROUNDS}, interleaved with the line above; compiled code from the CLI's cache, which the first run fills (README: Benchmarks)`,
  );
  log.ratio('`chdr --help` against a bare `node -e 0`', help!, bare!, 2, `${ms(help!)} / ${ms(bare!)}`);
};

/**
 * A fresh `chdr check --site <site>` process against the shell checks of the same site. `beforeEach` keeps
 * the check's preconditions (the other site's heartbeat fresh), untimed: the check must exit 0 every time.
 */
export const benchColdCheck = async (
  log: BenchLog,
  topologyPath: string,
  topology: Topology,
  site: string,
  beforeEach: () => Promise<void>,
): Promise<void> => {
  process.stderr.write('cold check\n');
  const script = shellChecks(topology, site);
  const args = ['bin/chdr.cjs', 'check', '--config', topologyPath, '--site', site, '--json'];
  const noCaches = mkdtempSync(join(tmpdir(), 'chdr-bench-xdg-'));
  await beforeEach();
  const first = await timeCommand('node', args, { env: { ...process.env, XDG_CACHE_HOME: noCaches } });
  rmSync(noCaches, { recursive: true, force: true });
  const [cold, shell] = await interleavedMedians(ROUNDS, [
    async () => {
      await beforeEach();
      return timeCommand('node', args);
    },
    () => timeCommand('bash', ['-c', script]),
  ]);
  log.figure(
    `one cycle, cold (\`chdr check --site ${site}\` in a fresh process, exit 0)`,
    ms(cold!),
    `median of ${ROUNDS}, includes Node start-up; the topology and the compiled code from the CLI's caches, which the first run fills (README: Benchmarks)`,
  );
  log.figure(
    'the same, first run of this build (no topology or code cache yet)',
    ms(first),
    'one run: validates the topology, compiles from source, then writes both caches',
  );
  log.figure(
    'the same checks as a sequential shell script (curl, `echo mntr | nc`, heartbeat over HTTP)',
    ms(shell!),
    `median of ${ROUNDS}, interleaved with the line above; no parsing, no verdicts`,
  );
  log.ratio(
    'cold `chdr check` against the sequential shell checks',
    cold!,
    shell!,
    1.5,
    `${ms(cold!)} / ${ms(shell!)}`,
  );
};
