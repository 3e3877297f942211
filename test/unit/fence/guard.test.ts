import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guardDropInPath, renderGuardDropIn } from '../../../lib/fence/index.js';

/** The command systemd runs for `ExecStartPre=` (`$$` is its escape for a literal `$`). */
const execStartPre = (dropIn: string): [string, string, string] => {
  const line = dropIn.split('\n').find((l) => l.startsWith('ExecStartPre='))!;
  const [shell, flag, ...rest] = line.slice('ExecStartPre='.length).replace(/\$\$/g, '$').split(' ');
  return [shell!, flag!, rest.join(' ').replace(/^'|'$/g, '')];
};

describe('the boot guard drop-in', () => {
  it('is a [Service] drop-in for the service, at the path systemd reads drop-ins from', () => {
    const text = renderGuardDropIn('zookeeper');

    expect(guardDropInPath('zookeeper')).toBe('/etc/systemd/system/zookeeper.service.d/chdr-fence.conf');
    expect(text).toContain('\n[Service]\n');
    expect(text.split('\n').filter((l) => l.startsWith('ExecStartPre='))).toHaveLength(1);
    expect(text).toContain('[ -e /var/lib/chdr/fenced ]');
    // A lone `$` or `%` would be expanded by systemd itself.
    expect(text.replace(/\$\$/g, '')).not.toMatch(/[$%]/);
  });

  it('fails the start while the marker exists and lets it pass once the marker is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chdr-guard-'));
    const marker = join(dir, 'fenced');
    const [shell, flag, script] = execStartPre(renderGuardDropIn('clickhouse-server', marker));

    const unfenced = spawnSync(shell, [flag, script], { encoding: 'utf8' });
    writeFileSync(marker, 'run-20270115T080010Z\n');
    const fenced = spawnSync(shell, [flag, script], { encoding: 'utf8' });

    expect(unfenced.status).toBe(0);
    expect(fenced.status).toBe(1);
    expect(fenced.stderr).toContain('chdr: host fenced (run-20270115T080010Z)');
    expect(fenced.stderr).toContain('only chdr recover lifts the fence');
  });

  it('is accepted by systemd-analyze verify inside a unit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chdr-unit-'));
    const unit = join(dir, 'chdr-guarded.service');
    writeFileSync(
      unit,
      `[Unit]\nDescription=guarded\n\n${renderGuardDropIn('chdr-guarded')}ExecStart=/bin/true\n`,
    );

    const verify = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });

    expect(verify.error, 'systemd-analyze must be installed for this test').toBeUndefined();
    expect(verify.status, verify.stderr).toBe(0);
  });
});
