/**
 * ClickHouse's `<zookeeper>` section (config.d/zookeeper.xml): the coordination endpoints a replica
 * uses. Failover replaces the `<node>` entries; session settings and the root element are kept.
 */

export interface CoordinationEndpoint {
  host: string;
  port: number;
}

const ZOOKEEPER = /<zookeeper>([\s\S]*?)<\/zookeeper>/;
const NODE = /[ \t]*<node\b[^>]*>([\s\S]*?)<\/node>[ \t]*\n?/g;

export const parseClickHouseCoordination = (xml: string): CoordinationEndpoint[] => {
  const section = ZOOKEEPER.exec(xml)?.[1];
  if (section === undefined) return [];
  const endpoints: CoordinationEndpoint[] = [];
  for (const match of section.matchAll(NODE)) {
    const host = /<host>\s*([^<]*?)\s*<\/host>/.exec(match[1]!)?.[1];
    const port = Number(/<port>\s*(\d+)\s*<\/port>/.exec(match[1]!)?.[1] ?? 2181);
    if (host) endpoints.push({ host, port });
  }
  return endpoints;
};

const xmlEscape = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const renderNodes = (endpoints: readonly CoordinationEndpoint[], indent: string): string =>
  endpoints
    .map(
      (e, i) =>
        `${indent}<node index="${i + 1}"><host>${xmlEscape(e.host)}</host><port>${e.port}</port></node>\n`,
    )
    .join('');

/** The file pointing at `endpoints`; a file without a `<zookeeper>` section gets a fresh one. */
export const renderClickHouseCoordination = (
  current: string | null,
  endpoints: readonly CoordinationEndpoint[],
  note: string,
): string => {
  const match = current === null ? null : ZOOKEEPER.exec(current);
  if (current === null || !match) {
    return [
      '<?xml version="1.0"?>',
      '<yandex>',
      `    <!-- chdr: ${note} -->`,
      '    <zookeeper>',
      renderNodes(endpoints, '        ').trimEnd(),
      '    </zookeeper>',
      '</yandex>',
      '',
    ].join('\n');
  }
  const section = match[1]!;
  const indent = /\n([ \t]*)<node\b/.exec(section)?.[1] ?? '        ';
  const withoutNodes = section.replace(NODE, '').replace(/[ \t]*<!-- chdr:[^>]*-->\n?/g, '');
  const firstLineBreak = withoutNodes.indexOf('\n');
  const head = firstLineBreak === -1 ? withoutNodes : withoutNodes.slice(0, firstLineBreak + 1);
  const rest = firstLineBreak === -1 ? '' : withoutNodes.slice(firstLineBreak + 1);
  const rebuilt = `${head}${indent}<!-- chdr: ${note} -->\n${renderNodes(endpoints, indent)}${rest}`;
  return current.replace(ZOOKEEPER, `<zookeeper>${rebuilt}</zookeeper>`);
};

export const clickHouseHasCoordination = (
  xml: string,
  endpoints: readonly CoordinationEndpoint[],
): boolean => {
  const key = (list: readonly CoordinationEndpoint[]) =>
    list
      .map((e) => `${e.host}:${e.port}`)
      .sort()
      .join(',');
  return key(parseClickHouseCoordination(xml)) === key(endpoints);
};

/**
 * The file with no `<zookeeper>` section: the server starts standalone (replicated tables readonly but
 * readable), so what it holds can be read before it rejoins any ensemble.
 */
export const renderClickHouseStandalone = (current: string | null, note: string): string => {
  const comment = `<!-- chdr: ${note} -->`;
  if (current === null || !ZOOKEEPER.test(current))
    return ['<?xml version="1.0"?>', '<yandex>', `    ${comment}`, '</yandex>', ''].join('\n');
  return current.replace(/[ \t]*<zookeeper>[\s\S]*?<\/zookeeper>/, `    ${comment}`);
};

export const clickHouseIsStandalone = (xml: string): boolean => !ZOOKEEPER.test(xml);
