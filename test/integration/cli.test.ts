import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';

// The `chdr` binary as a person runs it: exit codes 0 healthy, 1 warn/critical, 2 config or usage error.
const run = promisify(execFile);
const chdr = async (...args: string[]) => chdrWith(process.env, ...args);
const chdrWith = async (env: NodeJS.ProcessEnv, ...args: string[]) => {
  try {
    const { stdout, stderr } = await run('node', ['bin/chdr.cjs', ...args], { timeout: 60_000, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
};

beforeAll(async () => {
  await run('node', ['scripts/build-cli.mjs']);
});

describe('chdr CLI', () => {
  it('exits 2 and lists every problem of a bad config, without a stack trace', async () => {
    const result = await chdr('check', '--config', 'test/fixtures/config/bad-misc.yaml');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('heartbeat.table: use a plain SQL identifier');
    expect(result.stderr).toContain('schedule: use an EventBridge expression such as rate(1 minute)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on an unknown site or option', async () => {
    expect((await chdr('check', '--config', inject('topologyPath'), '--site', 'mars')).code).toBe(2);
    expect((await chdr('check', '--bogus')).code).toBe(2);
  });

  it('prints the report as JSON for one site and exits by its status', async () => {
    await chdr('check', '--config', inject('topologyPath'));
    const result = await chdr('check', '--config', inject('topologyPath'), '--site', 'standby', '--json');
    const report = JSON.parse(result.stdout) as { site: string; status: string; checks: unknown[] };
    expect(report.site).toBe('standby');
    expect(report.checks.length).toBeGreaterThan(3);
    expect(result.code).toBe(report.status === 'ok' ? 0 : 1);
  });

  it('shows the topology as a tree with roles, zxids and replicas', async () => {
    const result = await chdr('status', '--config', inject('topologyPath'));
    expect(result.stdout).toMatch(/zk4 {2}zookeeper observer \(expected observer\) {2}zxid 0x[0-9a-f]+/);
    expect(result.stdout).toMatch(/ch3 {2}readonly 0 {2}queue \d+ {2}delay \d+ s/);
  });

  it("keeps each command's compiled code in the user's cache, written by its first run and read by the next", async () => {
    const env = { ...process.env, XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'chdr-xdg-')) };
    const dir = join(env.XDG_CACHE_HOME, 'chdr', 'code');
    const first = await chdrWith(env, 'check', '--help');
    const [file, ...others] = readdirSync(dir);
    expect(others).toEqual([]);
    expect(file).toMatch(new RegExp(`-${process.version.replaceAll('.', '\\.')}-check\\.bin$`));
    const written = statSync(join(dir, file!)).mtimeMs;

    const second = await chdrWith(env, 'check', '--help');
    expect(second).toEqual(first);
    expect(second.stdout).toContain('run one monitoring cycle');
    // A run that took the cache leaves it as it was; one that compiled from source would have rewritten it.
    expect(statSync(join(dir, file!)).mtimeMs).toBe(written);
    expect(readdirSync(dir)).toEqual([file]);
  });
});
