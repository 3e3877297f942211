import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';

// The `chdr` binary as a person runs it: exit codes 0 healthy, 1 warn/critical, 2 config or usage error.
const run = promisify(execFile);
const chdr = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await run('node', ['bin/chdr.mjs', ...args], { timeout: 60_000 });
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
});
