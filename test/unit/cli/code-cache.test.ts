import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeCacheFile, type CodeCache, type CodeCacheOutcome } from '../../../lib/cli/code-cache.js';

interface Run {
  outcome: CodeCacheOutcome;
  answer: number;
  helper: string;
  filename: string;
}

/** A CommonJS "bundle" that requires a file beside it, and an empty cache directory, in a fresh directory. */
const prepare = (build = 'build-1') => {
  const dir = mkdtempSync(join(tmpdir(), 'chdr-code-cache-'));
  writeFileSync(join(dir, 'helper.cjs'), "module.exports = 'beside the bundle';");
  const file = join(dir, 'bundle.cjs');
  writeFileSync(
    file,
    [
      "'use strict';",
      'const helper = require("./helper.cjs");',
      'const square = (n) => n * n;',
      'exports.answer = () => square(6) + 6;',
      'exports.helper = helper;',
      'exports.filename = __filename;',
    ].join('\n'),
  );
  const cache: CodeCache = { dir: join(dir, 'cache'), build, command: 'check' };
  return { file, cache };
};

/** One run of the bundle in a process of its own (test/support/load-bundle.ts), saving the cache after it. */
const run = (file: string, cache: CodeCache, { save = true } = {}): Run =>
  JSON.parse(
    execFileSync(
      process.execPath,
      ['--import', 'tsx', 'test/support/load-bundle.ts', file, cache.dir, cache.build, cache.command].concat(
        save ? ['save'] : [],
      ),
      { encoding: 'utf8' },
    ),
  ) as Run;

describe('loadBundle', () => {
  it('runs the bundle as a CommonJS module: exports, require beside it, __filename', () => {
    const { file, cache } = prepare();
    const { answer, helper, filename } = run(file, cache);
    expect(answer).toBe(42);
    expect(helper).toBe('beside the bundle');
    expect(filename).toBe(file);
  });

  it('reads a bundle that is not ASCII as UTF-8 (esbuild writes ASCII, read as latin1)', () => {
    const { file, cache } = prepare();
    writeFileSync(file, "exports.answer = () => 42;\nexports.helper = 'Grüße — 東京';\n");
    expect(run(file, cache).helper).toBe('Grüße — 東京');
    expect(run(file, cache)).toMatchObject({ outcome: 'hit', helper: 'Grüße — 東京' });
  });

  it('compiles from source the first time, then from the cache that run saved', () => {
    const { file, cache } = prepare();
    expect(run(file, cache).outcome).toBe('miss');

    const second = run(file, cache);
    expect(second.outcome).toBe('hit');
    expect(second.answer).toBe(42);
  });

  it('keeps the cache private to the user', () => {
    const { file, cache } = prepare();
    run(file, cache);
    expect(statSync(cache.dir).mode & 0o777).toBe(0o700);
    expect(statSync(codeCacheFile(cache)).mode & 0o777).toBe(0o600);
  });

  it('compiles from source when V8 refuses the cache file, and the next save replaces it', () => {
    const { file, cache } = prepare();
    run(file, cache);
    writeFileSync(codeCacheFile(cache), 'not a code cache');

    const refused = run(file, cache);
    expect(refused.outcome).toBe('rejected');
    expect(refused.answer).toBe(42);
    expect(run(file, cache).outcome).toBe('hit');
  });

  it('keeps one cache per command, and only the caches of the build that saved last', () => {
    const { file, cache } = prepare();
    run(file, cache);
    run(file, { ...cache, command: 'status' });
    expect(readdirSync(cache.dir)).toHaveLength(2);
    expect(run(file, cache, { save: false }).outcome).toBe('hit');

    const rebuilt = { ...cache, build: 'build-2' };
    expect(run(file, rebuilt).outcome).toBe('miss');
    expect(readdirSync(cache.dir)).toEqual([codeCacheFile(rebuilt).slice(cache.dir.length + 1)]);
  });

  it('never lets a run write outside its directory or under a crafted name', () => {
    const cache: CodeCache = { dir: '/cache', build: 'b', command: '../../etc/passwd' };
    expect(codeCacheFile(cache)).toBe(`/cache/b-${process.version}-_.bin`);
    expect(codeCacheFile({ ...cache, command: '--help' })).toBe(`/cache/b-${process.version}-_.bin`);
    expect(codeCacheFile({ ...cache, command: 'failover' })).toBe(`/cache/b-${process.version}-failover.bin`);
  });

  it('runs, without saving, when the cache directory cannot be written', () => {
    const { file } = prepare();
    const blocked = join(mkdtempSync(join(tmpdir(), 'chdr-code-cache-')), 'a-file');
    writeFileSync(blocked, '');
    const cache: CodeCache = { dir: join(blocked, 'cache'), build: 'b', command: 'check' };
    expect(run(file, cache).answer).toBe(42);
    expect(run(file, cache).outcome).toBe('miss');
  });
});
