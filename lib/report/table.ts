import type { Check, CheckStatus } from '../health/index.js';

const STATUS_LABEL: Record<CheckStatus, string> = { ok: 'OK', warn: 'WARN', critical: 'CRIT' };

/** Fixed-width columns; the last column is never padded. */
export const renderColumns = (rows: readonly (readonly string[])[]): string => {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
};

/** One line per check, worst first: what `chdr check` prints. */
export const renderChecksTable = (checks: readonly Check[]): string => {
  const order: CheckStatus[] = ['critical', 'warn', 'ok'];
  const sorted = [...checks].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status));
  return renderColumns([
    ['STATUS', 'SITE', 'CHECK', 'SUBJECT', 'SUMMARY'],
    ...sorted.map((check) => [
      STATUS_LABEL[check.status],
      check.site,
      check.kind,
      check.subject,
      check.summary,
    ]),
  ]);
};

export const statusLabel = (status: CheckStatus): string => STATUS_LABEL[status];
