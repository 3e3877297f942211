import { describe, expect, it } from 'vitest';
import { siteStateTableName, stageOfStateTable } from '../../../lib/state/index.js';

describe("another site's state table, from a function that knows only its own", () => {
  it('reads the stage back from the table name the stack gave it', () => {
    for (const stage of ['prod', 'dev', 'blue-2']) {
      const own = siteStateTableName('orders', 'standby', stage);
      expect(stageOfStateTable(own, 'orders', 'standby')).toBe(stage);
      expect(siteStateTableName('orders', 'primary', stageOfStateTable(own, 'orders', 'standby'))).toBe(
        stage === 'prod' ? 'chdr-orders-primary-state' : `chdr-orders-primary-${stage}-state`,
      );
    }
  });

  it('does not guess for a table the stack did not name', () => {
    expect(stageOfStateTable('my-own-table', 'orders', 'standby')).toBeUndefined();
    expect(stageOfStateTable('chdr-orders-primary-state', 'orders', 'standby')).toBeUndefined();
  });
});
