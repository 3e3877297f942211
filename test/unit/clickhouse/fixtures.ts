import { readFileSync } from 'node:fs';

/** Verbatim fixture bodies from test/fixtures/clickhouse (see test/fixtures/SOURCES.md section 3). */
export const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/clickhouse/${name}`, import.meta.url), 'utf8');

/** Real ClickHouse 18.16 replies captured for this suite (see fixtures/SOURCES.md next to this file). */
export const fixture1816 = (name: string): string =>
  readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

/** JSONEachRow: one JSON object per line. */
export const jsonLines = (name: string, read: (name: string) => string = fixture): unknown[] =>
  read(name)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
