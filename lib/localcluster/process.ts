import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors/index.js';
import { POLL_INTERVAL_MS } from './constants.js';
import { LocalClusterError, LOCAL_CLUSTER_ERROR_CODES } from './errors.js';

/**
 * Processes of the local cluster. A process is "ours" only when its command line names the node's config
 * file: a pid from state.json that the kernel has since given to another program is never signalled.
 */

export interface SpawnSpec {
  command: string;
  args: readonly string[];
  cwd: string;
  /** stdout and stderr are appended here. */
  outputPath: string;
}

/** Starts a server in its own process group that outlives the caller; resolves its pid once it has one. */
export const spawnDetached = async (spec: SpawnSpec): Promise<number> => {
  const fd = openSync(spec.outputPath, 'a');
  try {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    const failed = new Promise<Error>((done) => child.once('error', done));
    if (child.pid === undefined) {
      const error = await failed;
      throw new LocalClusterError(
        LOCAL_CLUSTER_ERROR_CODES.startFailed,
        `cannot run ${spec.command}: ${describeError(error)}`,
        { cause: error },
      );
    }
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
};

const HAS_PROC = existsSync('/proc/self/cmdline');

/** Without /proc (macOS): `ps`, whose arguments are joined by spaces. */
const commandLineFromPs = (pid: number): Promise<string[] | null> =>
  new Promise((done) => {
    execFile('ps', ['-o', 'stat=', '-o', 'args=', '-p', String(pid)], (error, stdout) => {
      const [processState, ...args] = error ? [] : stdout.trim().split(/\s+/);
      done(processState === undefined || processState.startsWith('Z') ? null : args);
    });
  });

/** A live process's cmdline reads empty while it execs (`ip netns exec` → the server): read again. */
const EXEC_RETRIES = 20;
const EXEC_RETRY_MS = 5;

/** A live process's arguments from /proc (none while it execs or exits), or null: no such pid, or a zombie. */
const procArgs = async (pid: number): Promise<string[] | null> => {
  try {
    const [stat, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
    ]);
    // Field 3, after the parenthesised command name, is the state; Z is a zombie (exited, not reaped).
    const processState = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (processState === 'Z' || processState === 'X') return null;
    return cmdline.split('\0').filter((arg) => arg !== '');
  } catch {
    return null;
  }
};

/** The arguments of a live (not zombie) process, or null when there is none with this pid. */
export const commandLineOf = async (pid: number): Promise<string[] | null> => {
  if (!HAS_PROC) return commandLineFromPs(pid);
  for (let attempt = 0; ; attempt++) {
    const args = await procArgs(pid);
    if (args === null || args.length > 0) return args;
    if (attempt >= EXEC_RETRIES) return null;
    await sleep(EXEC_RETRY_MS);
  }
};

/** True when `args` start a server from `configPath` (`.../zoo.cfg` or `--config-file=.../config.xml`). */
export const namesConfig = (args: readonly string[], configPath: string): boolean =>
  args.some((arg) => arg === configPath || arg.endsWith(`=${configPath}`));

export const isOurProcess = async (pid: number | null, configPath: string): Promise<boolean> => {
  if (pid === null) return false;
  const args = await commandLineOf(pid);
  return args !== null && namesConfig(args, configPath);
};

/** Pids of live processes started from any of these config files (left over by an interrupted `up`). */
export const findProcessesByConfig = async (configPaths: readonly string[]): Promise<Map<number, string>> => {
  const found = new Map<number, string>();
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return found;
  }
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
      .map(async (entry) => {
        const args = await commandLineOf(Number(entry));
        const configPath = args && configPaths.find((path) => namesConfig(args, path));
        if (configPath) found.set(Number(entry), configPath);
      }),
  );
  return found;
};

/**
 * From a pid's arguments in /proc (null: no such pid, or a zombie), whether our stopped process is still
 * there. One that is exiting reads no arguments while the kernel tears down its memory, and holds its files
 * until it is a zombie (ClickHouse's lock on its data directory, its ports): a server started on them
 * before then exits at once. Taking "no arguments" for "gone" after the exec retries made `cluster stop`
 * then `cluster start` of one node fail now and then on a loaded machine.
 */
export const stillOurs = (args: readonly string[] | null, configPath: string): boolean =>
  args !== null && (args.length === 0 || namesConfig(args, configPath));

const notGoneYet = async (pid: number, configPath: string): Promise<boolean> =>
  HAS_PROC ? stillOurs(await procArgs(pid), configPath) : isOurProcess(pid, configPath);

const waitUntilGone = async (pid: number, configPath: string, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (await notGoneYet(pid, configPath)) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_INTERVAL_MS);
  }
  return true;
};

const signal = (pid: number, name: NodeJS.Signals): void => {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
};

/**
 * Stops our process `pid`: SIGTERM, up to `timeoutMs` to exit, then SIGKILL (or SIGKILL at once when
 * `hard`). Returns false when it was not running; throws when it survives SIGKILL.
 */
export const terminate = async (
  pid: number | null,
  configPath: string,
  options: { hard?: boolean; timeoutMs: number },
): Promise<boolean> => {
  if (pid === null || !(await isOurProcess(pid, configPath))) return false;
  if (!options.hard) {
    signal(pid, 'SIGTERM');
    if (await waitUntilGone(pid, configPath, options.timeoutMs)) return true;
  }
  signal(pid, 'SIGKILL');
  if (await waitUntilGone(pid, configPath, 5_000)) return true;
  throw new LocalClusterError(
    LOCAL_CLUSTER_ERROR_CODES.stopFailed,
    `process ${pid} (${configPath}) survived SIGKILL`,
  );
};
