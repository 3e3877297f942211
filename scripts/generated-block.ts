// Blocks of docs generated from code or measurements, between markers that name the test keeping them in sync.

const markers = (name: string, testFile: string) => ({
  begin: `<!-- BEGIN GENERATED: ${name} (${testFile}) -->\n<!-- prettier-ignore-start -->\n`,
  end: `\n<!-- prettier-ignore-end -->\n<!-- END GENERATED: ${name} -->`,
});

/** The block's current content, or undefined when its markers are missing. */
export const generatedBlockOf = (docs: string, name: string, testFile: string): string | undefined => {
  const { begin, end } = markers(name, testFile);
  const start = docs.indexOf(begin);
  const stop = docs.indexOf(end);
  return start < 0 || stop < start ? undefined : docs.slice(start + begin.length, stop);
};

/** The docs with the block's content replaced; throws when its markers are missing. */
export const withGeneratedBlock = (docs: string, name: string, testFile: string, content: string): string => {
  const { begin, end } = markers(name, testFile);
  const start = docs.indexOf(begin);
  const stop = docs.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`the generated block markers for ${name} are missing`);
  return docs.slice(0, start + begin.length) + content + docs.slice(stop);
};
