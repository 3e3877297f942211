// What `npm run bench` writes: bench-results/bench.json and the README's benchmark block rendered from it.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { LambdaCycleProfile } from '../lib/metrics/index.js';

export const BENCH_JSON = 'bench-results/bench.json';
export const README = 'README.md';
/** The unit test that keeps the README block equal to the rendering of BENCH_JSON. */
export const BENCH_BLOCK = { name: 'bench', testFile: 'test/unit/docs/bench.test.ts' } as const;

export interface BenchFigure {
  measure: string;
  value: string;
  note: string;
}

/** A goal of issue 15: a ratio or a bound, measured side by side in the same run. */
export interface BenchGoal {
  goal: string;
  measured: string;
  limit: string;
  pass: boolean;
}

export interface BenchResults {
  at: string;
  node: string;
  machine: string;
  figures: BenchFigure[];
  goals: BenchGoal[];
  /** One warm cycle of the standby site, for the Lambda part of the cost model (docs/metrics.md). */
  cycle: Pick<LambdaCycleProfile, 'cycleCpuMs' | 'cycleWallMs'>;
}

export const readBenchResults = (path = BENCH_JSON): BenchResults =>
  JSON.parse(readFileSync(path, 'utf8')) as BenchResults;

/** The monitor function's memory and architecture as serverless.yml configures them. */
export const monitorFunctionSize = (
  path = 'serverless.yml',
): Pick<LambdaCycleProfile, 'memoryMb' | 'architecture'> => {
  const service = parse(readFileSync(path, 'utf8')) as {
    provider: { memorySize?: number; architecture?: LambdaCycleProfile['architecture'] };
    functions: { monitor: { memorySize?: number; architecture?: LambdaCycleProfile['architecture'] } };
  };
  const monitor = service.functions.monitor;
  return {
    memoryMb: monitor.memorySize ?? service.provider.memorySize ?? 1024,
    architecture: monitor.architecture ?? service.provider.architecture ?? 'x86_64',
  };
};

const cell = (text: string) => text.replaceAll('|', '\\|');

export const renderBenchMarkdown = (results: BenchResults): string =>
  [
    `Measured by \`npm run bench\` at ${results.at} with Node ${results.node} on ${results.machine}.`,
    'Each goal is a ratio or bound measured side by side in this one run.',
    '',
    '| goal | measured | limit | result |',
    '| --- | --- | --- | --- |',
    ...results.goals.map(
      (goal) =>
        `| ${cell(goal.goal)} | ${cell(goal.measured)} | ${cell(goal.limit)} | ${goal.pass ? 'PASS' : '**FAIL**'} |`,
    ),
    '',
    '| measure | value | note |',
    '| --- | --- | --- |',
    ...results.figures.map(
      (figure) => `| ${cell(figure.measure)} | ${cell(figure.value)} | ${cell(figure.note)} |`,
    ),
  ].join('\n');
