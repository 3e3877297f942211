import * as z from 'zod';
import { topologySchema } from './schema.js';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  minLength?: number;
}

const typeOf = (schema: JsonSchema): string => {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map(typeOf).join(' \\| ');
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((value) => `\`${String(value)}\``).join(' \\| ');
  if (schema.type === 'array') return `list of ${schema.items ? typeOf(schema.items) : 'values'}`;
  if (schema.type === 'object' && schema.properties) {
    return `{ ${Object.keys(schema.properties).join(', ')} }`;
  }
  return Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any');
};

const rulesOf = (schema: JsonSchema): string =>
  [
    schema.pattern && `matches \`${schema.pattern.replace(/\|/g, '\\|')}\``,
    schema.minimum !== undefined && `≥ ${schema.minimum}`,
    schema.exclusiveMinimum !== undefined && `> ${schema.exclusiveMinimum}`,
    schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER && `≤ ${schema.maximum}`,
    schema.minItems !== undefined && `at least ${schema.minItems}`,
    schema.minLength !== undefined && schema.minLength > 1 && `at least ${schema.minLength} characters`,
  ]
    .filter(Boolean)
    .join(', ');

const walk = (schema: JsonSchema, path: string, required: boolean, rows: string[][]): void => {
  const isObjectList = schema.type === 'array' && schema.items?.properties;
  const isObject = schema.type === 'object' && schema.properties;
  const defaultText =
    schema.default === undefined
      ? required
        ? 'required'
        : ''
      : isObject
        ? 'see below'
        : `\`${JSON.stringify(schema.default)}\``;
  if (path)
    rows.push([
      `\`${path}\``,
      isObject || isObjectList ? (isObjectList ? 'list' : 'object') : typeOf(schema),
      defaultText,
      rulesOf(schema),
    ]);
  // Discriminated unions of objects (e.g. the executor): the keys of every variant.
  for (const variant of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    for (const [key, child] of Object.entries(variant.properties ?? {})) {
      walk(child, `${path}.${key}`, variant.required?.includes(key) ?? false, rows);
    }
  }
  const object = isObjectList ? schema.items! : isObject ? schema : undefined;
  for (const [key, child] of Object.entries(object?.properties ?? {})) {
    walk(
      child,
      `${path}${isObjectList ? '[]' : ''}${path ? '.' : ''}${key}`,
      object?.required?.includes(key) ?? false,
      rows,
    );
  }
};

/** The configuration reference as a Markdown table, generated from the schema itself. */
export const configReferenceMarkdown = (): string => {
  const schema = z.toJSONSchema(topologySchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: string[][] = [];
  walk(schema, '', true, rows);
  const seen = new Set<string>();
  const unique = rows.filter((row) => !seen.has(row[0]!) && seen.add(row[0]!));
  return [
    '| key | type | default | rules |',
    '| --- | --- | --- | --- |',
    ...unique.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
};
