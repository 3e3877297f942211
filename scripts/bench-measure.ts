// Small measuring tools shared by the bench modules. Every command must succeed: a failing one fails the bench.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { BenchFigure, BenchGoal } from './bench-report.js';

const exec = promisify(execFile);

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export const ms = (value: number): string => `${value.toFixed(0)} ms`;
export const seconds = (valueMs: number): string => `${(valueMs / 1000).toFixed(1)} s`;
export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;

export const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
};

let clockTicksPerSecond: number | undefined;

/** CPU time (user + system) the processes have used so far, in ms, from /proc (Linux). */
export const processesCpuMs = (pids: readonly number[]): number => {
  clockTicksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  let ticks = 0;
  for (const pid of pids) {
    // Fields after the command name: state is the 1st, utime the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / clockTicksPerSecond;
};

/** Runs a command to completion and returns its wall time; rejects (with its stderr) when it exits non-zero. */
export const timeCommand = async (
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<number> => {
  const [, elapsed] = await timed(() =>
    exec(command, [...args], {
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    }),
  );
  return elapsed;
};

/** Runs each command in turn, `rounds` times, so load on the machine hits them alike; medians in order. */
export const interleavedMedians = async (
  rounds: number,
  commands: readonly (() => Promise<number>)[],
): Promise<number[]> => {
  const times = commands.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, command] of commands.entries()) times[i]!.push(await command());
  }
  return times.map(median);
};

/** Collects the figures and goals of one run, echoing each to stderr as it is measured. */
export class BenchLog {
  readonly figures: BenchFigure[] = [];
  readonly goals: BenchGoal[] = [];

  figure(measure: string, value: string, note = ''): void {
    this.figures.push({ measure, value, note });
    process.stderr.write(`  ${measure}: ${value}${note ? ` (${note})` : ''}\n`);
  }

  /** A ratio goal: `actual / base` at most `limit`. */
  ratio(goal: string, actual: number, base: number, limit: number, what: string): void {
    const ratio = actual / base;
    this.goal({
      goal,
      measured: `${ratio.toFixed(2)}× (${what})`,
      limit: `≤ ${limit}×`,
      pass: ratio <= limit,
    });
  }

  goal(goal: BenchGoal): void {
    this.goals.push(goal);
    process.stderr.write(
      `  GOAL ${goal.pass ? 'PASS' : 'FAIL'}: ${goal.goal}: ${goal.measured} (${goal.limit})\n`,
    );
  }
}
