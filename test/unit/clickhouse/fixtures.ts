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

// Captured from clickhouse-server 18.16.1 (Debian package) over HTTP.
export const V18_EXCEPTIONS = {
  readonly:
    'Code: 242, e.displayText() = DB::Exception: Table is in readonly mode, e.what() = DB::Exception\n',
  noZooKeeper:
    "Code: 225, e.displayText() = DB::Exception: Can't create replicated table without ZooKeeper, e.what() = DB::Exception\n",
  unknownTable:
    "Code: 60, e.displayText() = DB::Exception: Table default.heart_beat doesn't exist., e.what() = DB::Exception\n",
  unknownDatabase:
    "Code: 81, e.displayText() = DB::Exception: Database nope doesn't exist, e.what() = DB::Exception\n",
  wrongPassword:
    'Code: 193, e.displayText() = DB::Exception: Wrong password for user chdr, e.what() = DB::Exception\n',
  unknownUser: 'Code: 192, e.displayText() = DB::Exception: Unknown user nobody, e.what() = DB::Exception\n',
  timeout:
    'Code: 159, e.displayText() = DB::Exception: Timeout exceeded: elapsed 1.00399999 seconds, maximum: 1, e.what() = DB::Exception\n',
  unmapped:
    "Code: 395, e.displayText() = DB::Exception: Value passed to 'throwIf' function is non zero, e.what() = DB::Exception\n",
};

/** The replica thresholds the ClickHouse assessment tests judge against (the schema's defaults). */
export const REPLICA_THRESHOLDS = {
  replicaDelayWarnSeconds: 60,
  replicaDelayCriticalSeconds: 300,
  queueSizeWarn: 100,
  logLagWarn: 100,
  insertsInQueueWarn: 50,
  partsPerPartitionWarn: 100,
  clockSkewWarnSeconds: 5,
};
