import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from '../../../lib/config/reference.js';
import { expectGeneratedBlock } from '../../support/generated-docs.js';

const DOCS = new URL('../../../docs/configuration.md', import.meta.url);

describe('docs/configuration.md', () => {
  it('lists every key of the schema with its type, default and rules', () => {
    const reference = configReferenceMarkdown();
    expect(reference).toContain(
      '| `sites[].coordination[].role` | `participant` \\| `observer` | `"participant"` |',
    );
    expect(reference).toContain('| `failover.executor.kind` |');
    expectGeneratedBlock(DOCS, 'configuration', 'test/unit/config/reference.test.ts', reference);
  });
});
