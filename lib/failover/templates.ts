import type { CoordinationKind, FailoverSettings } from '../config/index.js';
import {
  DEFAULT_BACKUP_COMMANDS,
  DEFAULT_COMMANDS,
  DEFAULT_RESET_DATA_COMMANDS,
  DEFAULT_RESTORE_DATA_COMMANDS,
  SERVICES,
} from './constants.js';

export type CommandName = keyof FailoverSettings['commands'];
export type PathName = keyof FailoverSettings['paths'];

const SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;

/** Quotes a value for bash unless it is plainly safe (keeps the plan readable). */
export const shellQuote = (value: string): string =>
  SAFE.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;

/** Replaces `{name}` placeholders with shell-quoted values; unknown placeholders are left as they are. */
export const renderTemplate = (template: string, values: Record<string, string>): string =>
  template.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (whole, key: string) =>
    Object.hasOwn(values, key) ? shellQuote(values[key]!) : whole,
  );

/** The configured template, or the default for a standard systemd install (undefined: no default). */
export const commandTemplate = (
  settings: FailoverSettings,
  name: CommandName,
  kind: CoordinationKind | 'clickhouse',
): string | undefined => {
  const configured = settings.commands[name];
  if (configured) return configured;
  if (name === 'resetCoordinationData')
    return kind === 'clickhouse' ? undefined : DEFAULT_RESET_DATA_COMMANDS[kind];
  if (name === 'restoreCoordinationData')
    return kind === 'clickhouse' ? undefined : DEFAULT_RESTORE_DATA_COMMANDS[kind];
  if (name === 'backupCoordinationData')
    return kind === 'clickhouse' ? undefined : DEFAULT_BACKUP_COMMANDS[kind];
  if (name in DEFAULT_COMMANDS) return DEFAULT_COMMANDS[name as keyof typeof DEFAULT_COMMANDS];
  return undefined;
};

export const serviceOf = (kind: CoordinationKind | 'clickhouse'): string => SERVICES[kind];

/** A config path for a node: the configured (or default) path with `{node}` replaced. */
export const pathFor = (settings: FailoverSettings, name: PathName, node: string): string =>
  settings.paths[name].replace(/\{node\}/g, node);
