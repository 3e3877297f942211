import type { Check } from '../health/index.js';
import { DEFAULT_RUNBOOK_BASE } from '../metrics/index.js';
import { FIRST_STEPS, INCIDENT_KEYS, KIND_PRIORITY, MAX_SUBJECT_CHARS, SUBJECT_TAGS } from './constants.js';
import type {
  Notification,
  NotificationAttributes,
  NotificationEvent,
  PageState,
  PagingReport,
  Pause,
} from './types.js';

/** An SNS-safe subject: printable ASCII on one line, at most MAX_SUBJECT_CHARS, cut with "...". */
export const safeSubject = (text: string): string => {
  const ascii = text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return ascii.length <= MAX_SUBJECT_CHARS ? ascii : `${ascii.slice(0, MAX_SUBJECT_CHARS - 3).trimEnd()}...`;
};

/** How a check is named to a person: "heartbeat-lag from primary", "replica ch-a", "node keeper-1". */
export const checkTitle = (kind: Check['kind'], subject: string): string => {
  switch (kind) {
    case 'heartbeat-lag':
      return `heartbeat-lag from ${subject}`;
    case 'heartbeat-write':
      return subject ? `heartbeat-write on ${subject}` : 'heartbeat-write';
    case 'coordination-node':
      return `coordination-node ${subject}`;
    case 'coordination-ensemble':
      return `coordination ${subject}`;
    case 'replica-status':
      return `replica ${subject}`;
    case 'replica-tables':
      return `table ${subject}`;
    default:
      return `${kind} ${subject}`;
  }
};

const minutesBetween = (from: string, to: string): number =>
  Math.max(0, Math.round((new Date(to).getTime() - new Date(from).getTime()) / 60_000));

const duration = (from: string, to: string): string => {
  const minutes = minutesBetween(from, to);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
};

const formatValues = (values: Check['values']): string => {
  const parts = Object.entries(values as Record<string, unknown>)
    .filter(([, value]) => value !== null && value !== '')
    .map(([key, value]) => `${key}=${String(value)}`);
  return parts.length > 0 ? parts.join(', ') : '(no values)';
};

export const byPriority = <T extends { kind: Check['kind']; subject: string }>(items: readonly T[]): T[] =>
  [...items].sort(
    (a, b) =>
      KIND_PRIORITY.indexOf(a.kind) - KIND_PRIORITY.indexOf(b.kind) || a.subject.localeCompare(b.subject),
  );

/** The runbook link for a check; replica-status points at the section that matches what is wrong. */
export const runbookLink = (check: Check, runbookBase = DEFAULT_RUNBOOK_BASE): string => {
  let anchor = FIRST_STEPS[check.kind].anchor;
  if (check.kind === 'replica-status') {
    if (!check.values.reachable) anchor = 'runbook-replica-unreachable';
    else if (!((check.values.readonlyTables ?? 0) > 0) && !((check.values.sessionExpiredTables ?? 0) > 0)) {
      anchor = 'runbook-replication-delay-and-queue';
    }
  }
  return `${runbookBase}#${anchor}`;
};

/** A check of the incident; `check` is absent when it cleared while the incident was being confirmed. */
export interface PageItem {
  check: Check | undefined;
  state: PageState;
}

/** The runbook link of a check seen earlier in the incident and cleared since: its kind's section. */
const kindRunbookLink = (kind: Check['kind'], runbookBase = DEFAULT_RUNBOOK_BASE): string =>
  `${runbookBase}#${FIRST_STEPS[kind].anchor}`;

export interface MessageContext {
  report: PagingReport;
  /** ISO time of this cycle, the "now" of the message. */
  at: string;
  repageMinutes: number;
  runbookBase?: string;
  /** Other problems still open at this site (paged earlier), named at the end of the body. */
  alsoOpen?: readonly PageState[];
  /** The incident the message is about: both regions' agents use the same key for the same cause. */
  incident?: string;
  /** Set by a deployed agent: the pause hint then writes to that stage's tables (`--state aws`). */
  deployedStage?: string;
}

const incidentLine = (incident: string | undefined): string[] =>
  incident === undefined
    ? []
    : [
        `Incident: ${incident}. ${incident === INCIDENT_KEYS.coordination ? 'The coordination ensemble lost its quorum or leader; the other checks listed follow from it.' : 'The checks listed trace to the same site.'} One page for all of them; one RESOLVED message when every one has cleared.`,
        '',
      ];

const where = (report: PagingReport): string =>
  `${report.cluster}/${report.site}${report.region ? ` (${report.region})` : ''}`;

const subjectFor = (
  tag: string,
  report: PagingReport,
  items: readonly { check: Pick<Check, 'kind' | 'subject'> }[],
  suffix = '',
): string => {
  const first = items[0]!;
  const more = items.length > 1 ? ` (+${items.length - 1} more)` : '';
  return safeSubject(
    `${tag} ${report.cluster}/${report.site} ${checkTitle(first.check.kind, first.check.subject)}${suffix}${more}`,
  );
};

const pauseHint = (report: PagingReport, deployedStage: string | undefined): string => {
  const where =
    deployedStage === undefined
      ? ''
      : ` --state aws${deployedStage === 'prod' ? '' : ` --stage ${deployedStage}`}`;
  return `Planned work? chdr pause --site ${report.site}${where} --until <time> --reason <text> holds pages (metrics continue).`;
};

/** A page for checks that became critical (`critical`) or are still critical at their re-page time (`repeat`). */
export const pageMessage = (
  event: 'critical' | 'repeat',
  items: readonly PageItem[],
  context: MessageContext,
): Notification => {
  const { report, at } = context;
  const sorted = byPriority(
    items.map((item) => ({ ...item, kind: item.state.kind, subject: item.state.subject })),
  );
  const first = sorted[0]!;
  const suffix = event === 'repeat' ? ` for ${duration(first.state.since, at)}` : '';
  const heading =
    event === 'critical'
      ? `CRITICAL at ${where(report)}: ${sorted.length === 1 ? 'a check turned' : `${sorted.length} checks turned`} critical.`
      : `STILL CRITICAL at ${where(report)}: ${sorted.length === 1 ? 'a problem is' : `${sorted.length} problems are`} still open.`;
  const blocks = sorted.map(({ check, state }, i) =>
    [
      `${i + 1}. ${checkTitle(state.kind, state.subject)}`,
      `   What is wrong: ${check ? check.summary : `${state.summary} (seen earlier in this incident; cleared since)`}`,
      ...(check ? [`   Measured:      ${formatValues(check.values)}`] : []),
      `   Since:         ${state.since} (${duration(state.since, at)})${state.pages > 1 ? `, page ${state.pages}` : ''}`,
      `   First step:    ${FIRST_STEPS[state.kind].step}`,
      `   Runbook:       ${check ? runbookLink(check, context.runbookBase) : kindRunbookLink(state.kind, context.runbookBase)}`,
    ].join('\n'),
  );
  const also = (context.alsoOpen ?? []).filter(
    (state) => !items.some((item) => item.state.kind === state.kind && item.state.subject === state.subject),
  );
  const lines = [
    heading,
    '',
    ...incidentLine(context.incident),
    ...blocks.flatMap((block) => [block, '']),
    ...(also.length > 0
      ? [
          `Also open at this site (paged before): ${byPriority(also)
            .map((s) => `${checkTitle(s.kind, s.subject)} since ${s.since}`)
            .join('; ')}.`,
          '',
        ]
      : []),
    `Cycle: started ${report.startedAt}, took ${report.durationMs} ms.`,
    `Re-paged every ${context.repageMinutes} min while it lasts; a RESOLVED message follows when it clears.`,
    pauseHint(report, context.deployedStage),
  ];
  return {
    subject: subjectFor(
      SUBJECT_TAGS[event],
      report,
      sorted.map(({ check, state }) => ({ check: check ?? { kind: state.kind, subject: state.subject } })),
      suffix,
    ),
    body: lines.join('\n'),
    attributes: {
      event,
      severity: 'critical',
      cluster: report.cluster,
      site: report.site,
      region: report.region ?? null,
      at,
      incident: context.incident ?? null,
      checks: sorted.map(({ check, state }) => ({
        kind: state.kind,
        subject: state.subject,
        status: check?.status ?? null,
        summary: check?.summary ?? state.summary,
        since: state.since,
        pages: state.pages,
        values: (check?.values as NotificationAttributes[string] | undefined) ?? null,
        runbook: check
          ? runbookLink(check, context.runbookBase)
          : kindRunbookLink(state.kind, context.runbookBase),
      })),
    },
  };
};

/** One message for problems that cleared in this cycle. */
export const resolvedMessage = (
  items: readonly { state: PageState; check: Check | undefined }[],
  context: MessageContext,
): Notification => {
  const { report, at } = context;
  const sorted = byPriority(
    items.map((item) => ({ ...item, kind: item.state.kind, subject: item.state.subject })),
  );
  const first = sorted[0]!;
  const blocks = sorted.map(({ state, check }, i) =>
    [
      `${i + 1}. ${checkTitle(state.kind, state.subject)}: critical from ${state.since} to ${at} (${duration(state.since, at)}, ${state.pages} page${state.pages === 1 ? '' : 's'})`,
      `   Now:           ${check ? `${check.status}: ${check.summary}` : 'cleared (no longer reported)'}`,
      ...(check ? [`   Measured:      ${formatValues(check.values)}`] : []),
    ].join('\n'),
  );
  const subjectItems = sorted.map(({ state, check }) => ({
    state,
    check: check ?? { kind: state.kind, subject: state.subject },
  }));
  return {
    subject: subjectFor(
      SUBJECT_TAGS.resolved,
      report,
      subjectItems,
      ` after ${duration(first.state.since, at)}`,
    ),
    body: [
      `RESOLVED at ${where(report)}.`,
      '',
      ...incidentLine(context.incident),
      ...blocks.flatMap((block) => [block, '']),
      `Cycle: started ${report.startedAt}.`,
    ].join('\n'),
    attributes: {
      event: 'resolved',
      severity: 'ok',
      cluster: report.cluster,
      site: report.site,
      region: report.region ?? null,
      at,
      incident: context.incident ?? null,
      checks: sorted.map(({ state, check }) => ({
        kind: state.kind,
        subject: state.subject,
        status: check?.status ?? null,
        since: state.since,
        pages: state.pages,
        values: (check?.values as NotificationAttributes[string] | undefined) ?? null,
      })),
    },
  };
};

/** A notice that a site was paused, resumed, or that its pause ended by itself. */
export const pauseMessage = (
  event: Extract<NotificationEvent, 'paused' | 'resumed' | 'pause-ended'>,
  pause: Pause,
  at: string,
  who?: string,
): Notification => {
  const target = `${pause.cluster}/${pause.site}`;
  const subject =
    event === 'paused'
      ? `${SUBJECT_TAGS.paused} ${target} until ${pause.until} by ${pause.who}`
      : event === 'resumed'
        ? `${SUBJECT_TAGS.resumed} ${target} by ${who ?? pause.who}`
        : `${SUBJECT_TAGS['pause-ended']} ${target} at ${pause.until}`;
  const body =
    event === 'paused'
      ? [
          `Pages for ${target} are paused until ${pause.until}.`,
          `Who:    ${pause.who}`,
          `Why:    ${pause.reason}`,
          `Since:  ${pause.pausedAt}`,
          '',
          'Cycles still run and every metric is still published; CloudWatch alarms still fire.',
          `The pause ends by itself at ${pause.until}; end it sooner with: chdr resume --site ${pause.site}`,
        ].join('\n')
      : event === 'resumed'
        ? [
            `Pages for ${target} are back on (paused by ${pause.who} for: ${pause.reason}).`,
            `Resumed by ${who ?? 'unknown'} at ${at}.`,
          ].join('\n')
        : [
            `The pause of ${target} ended at ${pause.until} (paused by ${pause.who} for: ${pause.reason}).`,
            'Pages are back on; problems still open page at the next cycle.',
          ].join('\n');
  return {
    subject: safeSubject(subject),
    body,
    attributes: {
      event,
      severity: 'info',
      cluster: pause.cluster,
      site: pause.site,
      at,
      pause: { ...pause },
      by: who ?? null,
    },
  };
};
