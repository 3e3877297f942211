import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FailoverSettings } from '../../../lib/config/index.js';
import { LocalShellExecutor } from '../../../lib/executor/index.js';
import { commandTemplate, renderTemplate } from '../../../lib/failover/templates.js';

/** The default data commands run for real by bash (as the local and SSM executors run them). */

const settings = { commands: {} } as unknown as FailoverSettings;
const executor = new LocalShellExecutor();
let root: string;

const run = async (
  name: 'resetCoordinationData' | 'backupCoordinationData' | 'restoreCoordinationData',
  kind: 'zookeeper' | 'keeper',
  path: string,
) =>
  executor.run({
    target: { name: 'n1', host: '127.0.0.1' },
    command: renderTemplate(commandTemplate(settings, name, kind)!, { path, runId: 'r1' }),
    timeoutMs: 5_000,
  });

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'chdr host commands '));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('default ZooKeeper data commands', () => {
  it('moves version-2 aside for `dataDir = /x` written with spaces, in a folder with spaces', async () => {
    const data = join(root, 'zk data');
    await mkdir(join(data, 'version-2'), { recursive: true });
    await writeFile(join(root, 'zoo.cfg'), `tickTime=500\ndataDir = ${data}  \nclientPort=2181\n`);

    const result = await run('resetCoordinationData', 'zookeeper', join(root, 'zoo.cfg'));

    expect(result.exitCode, result.stderr).toBe(0);
    expect((await readdir(data)).sort()).toEqual(['version-2.chdr-r1']);
  });

  it('fails, naming the config, when nothing was found to move', async () => {
    await writeFile(join(root, 'zoo.cfg'), `dataDir=${join(root, 'empty')}\n`);

    const result = await run('resetCoordinationData', 'zookeeper', join(root, 'zoo.cfg'));

    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('no ZooKeeper data (dataDir/version-2) found to move aside');
  });

  it('counts a move done by an earlier attempt of the same run as done', async () => {
    const data = join(root, 'data');
    await mkdir(join(data, 'version-2.chdr-r1'), { recursive: true });
    await writeFile(join(root, 'zoo.cfg'), `dataDir=${data}\n`);

    expect((await run('resetCoordinationData', 'zookeeper', join(root, 'zoo.cfg'))).exitCode).toBe(0);
  });

  it('fails when the config file cannot be read', async () => {
    const result = await run('backupCoordinationData', 'zookeeper', join(root, 'missing.cfg'));

    expect(result.exitCode).not.toBe(0);
  });
});

describe('backup and restore of a new ensemble (its undo)', () => {
  it('restores the data from before the run and keeps the new epoch aside; a second backup keeps the first', async () => {
    const data = join(root, 'zk');
    await mkdir(join(data, 'version-2'), { recursive: true });
    await writeFile(join(data, 'version-2', 'log.1'), 'old epoch');
    await writeFile(join(root, 'zoo.cfg'), `dataDir=${data}\n`);
    const cfg = join(root, 'zoo.cfg');

    expect((await run('backupCoordinationData', 'zookeeper', cfg)).exitCode).toBe(0);
    await writeFile(join(data, 'version-2', 'log.2'), 'new epoch');
    expect((await run('backupCoordinationData', 'zookeeper', cfg)).exitCode).toBe(0);
    const restored = await run('restoreCoordinationData', 'zookeeper', cfg);
    const again = await run('restoreCoordinationData', 'zookeeper', cfg);

    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await readdir(join(data, 'version-2'))).toEqual(['log.1']);
    expect(await readFile(join(`${data}.chdr-epoch-r1`, 'version-2', 'log.2'), 'utf8')).toBe('new epoch');
  });

  it('refuses to restore without a backup of this run', async () => {
    await mkdir(join(root, 'zk', 'version-2'), { recursive: true });
    await writeFile(join(root, 'zoo.cfg'), `dataDir=${join(root, 'zk')}\n`);

    const result = await run('restoreCoordinationData', 'zookeeper', join(root, 'zoo.cfg'));

    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/no backup .*zk\.chdr-backup-r1 to restore/);
    expect(await readdir(join(root, 'zk'))).toEqual(['version-2']);
  });
});

describe('default Keeper data commands', () => {
  it('takes the storage paths from config.d over the main file', async () => {
    const logs = join(root, 'k logs');
    const snapshots = join(root, 'k snaps');
    await mkdir(logs);
    await mkdir(snapshots);
    await mkdir(join(root, 'config.d'));
    await writeFile(
      join(root, 'keeper_config.xml'),
      '<clickhouse><keeper_server><log_storage_path>/nowhere/logs</log_storage_path></keeper_server></clickhouse>',
    );
    await writeFile(
      join(root, 'config.d', 'storage.xml'),
      `<clickhouse><keeper_server>\n  <log_storage_path> ${logs} </log_storage_path>\n  <snapshot_storage_path>${snapshots}</snapshot_storage_path>\n</keeper_server></clickhouse>`,
    );

    const result = await run('resetCoordinationData', 'keeper', join(root, 'keeper_config.xml'));

    expect(result.exitCode, result.stderr).toBe(0);
    expect((await readdir(root)).sort()).toEqual(
      ['config.d', 'k logs', 'k logs.chdr-r1', 'k snaps', 'k snaps.chdr-r1', 'keeper_config.xml'].sort(),
    );
  });

  it('falls back to <storage_path>/logs and /snapshots', async () => {
    await mkdir(join(root, 'store', 'logs'), { recursive: true });
    await mkdir(join(root, 'store', 'snapshots'), { recursive: true });
    await writeFile(
      join(root, 'keeper.xml'),
      `<clickhouse><keeper_server><storage_path>${join(root, 'store')}</storage_path></keeper_server></clickhouse>`,
    );

    const result = await run('backupCoordinationData', 'keeper', join(root, 'keeper.xml'));

    expect(result.exitCode, result.stderr).toBe(0);
    expect((await readdir(join(root, 'store'))).sort()).toEqual([
      'logs',
      'logs.chdr-backup-r1',
      'snapshots',
      'snapshots.chdr-backup-r1',
    ]);
  });

  it('fails when no storage folder exists where the config says', async () => {
    await writeFile(
      join(root, 'keeper.xml'),
      `<clickhouse><keeper_server><storage_path>${join(root, 'none')}</storage_path></keeper_server></clickhouse>`,
    );

    const result = await run('resetCoordinationData', 'keeper', join(root, 'keeper.xml'));

    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('no Keeper log or snapshot folder found to move aside');
  });
});
