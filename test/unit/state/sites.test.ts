import { describe, expect, it } from 'vitest';
import { peerStateTableName, siteStateTableName } from '../../../lib/state/index.js';

describe("another site's state table, from a function that knows only its own", () => {
  it('is named with the same stage as the own table', () => {
    for (const stage of ['prod', 'dev', 'blue-2']) {
      const own = siteStateTableName('orders', 'standby', stage);
      expect(peerStateTableName(own, 'orders', 'standby', 'primary')).toBe(
        stage === 'prod' ? 'chdr-orders-primary-state' : `chdr-orders-primary-${stage}-state`,
      );
    }
  });

  it('is not guessed for a table the stack did not name', () => {
    expect(peerStateTableName('my-own-table', 'orders', 'standby', 'primary')).toBeUndefined();
    expect(peerStateTableName('chdr-orders-primary-state', 'orders', 'standby', 'primary')).toBeUndefined();
  });
});
