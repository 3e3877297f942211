/**
 * SQL literals for ClickHouse 18.16 and later, which has no query parameters (`{name:Type}`):
 * values are quoted, never pasted.
 */

/** A single-quoted string literal; backslash and quote escaped (the only characters that can end it). */
export const quoteString = (value: string): string =>
  `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A back-quoted identifier (database, table, column). */
export const quoteIdentifier = (name: string): string =>
  `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;

/** `db`.`table` */
export const qualifiedName = (database: string, table: string): string =>
  `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
