import { readFileSync } from 'node:fs';

/** Verbatim fixture bodies from test/fixtures/clickhouse (see test/fixtures/SOURCES.md section 3). */
export const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/clickhouse/${name}`, import.meta.url), 'utf8');

/** JSONEachRow: one JSON object per line. */
export const jsonLines = (name: string): unknown[] =>
  fixture(name)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
