import { describe, expect, it } from 'vitest';
import {
  dataPathOf,
  describeDetached,
  forceRestoreFlagPath,
  parseActiveParts,
  partsLeftOut,
} from '../../../lib/failover/unexpected-parts.js';

// Rows as ClickHouse 18.16 returns them for ACTIVE_PARTS_SQL (JSONEachRow, captured on the local cluster).
const row = (name: string, rows: string, table = 'orders') => ({
  database: 'default',
  table,
  name,
  rows,
  part_path: `/work/.chdr/ch3/data/data/default/${table}/${name}/`,
});

describe('parts a new ensemble never recorded (force_restore_data)', () => {
  it('parses active parts and tells the data path and the flag file from a part folder', () => {
    const [part] = parseActiveParts([row('202611_0_0_0', '500')]);
    expect(part).toEqual({
      table: 'default.orders',
      name: '202611_0_0_0',
      rows: 500,
      path: '/work/.chdr/ch3/data/data/default/orders/202611_0_0_0/',
    });
    expect(dataPathOf(part!)).toBe('/work/.chdr/ch3/data/');
    expect(forceRestoreFlagPath(dataPathOf(part!)!)).toBe('/work/.chdr/ch3/data/flags/force_restore_data');
  });

  it('refuses a row whose count is not a number', () => {
    expect(() => parseActiveParts([row('all_1_1_0', 'many')])).toThrow(
      expect.objectContaining({
        code: 'FAILOVER_VERIFY_FAILED',
        message: expect.stringMatching(/rows is not a count: many/),
      }),
    );
    expect(() => parseActiveParts([{ name: 'x' }])).toThrow(/system.parts row without rows/);
  });

  it('names the parts that left the active set uncovered, with their rows; merged parts are not counted', () => {
    const before = parseActiveParts([
      row('202611_0_0_0', '500'),
      row('202611_1_1_0', '10'),
      row('202612_2_2_0', '7'),
      row('all_3_3_0', '4', 'heart_beat'),
    ]);
    // 202611_1_1_0 was merged into 202611_1_4_1; 202611_0_0_0 and 202612_2_2_0 were detached.
    const after = parseActiveParts([row('202611_1_4_1', '20'), row('all_3_3_0', '4', 'heart_beat')]);

    const left = partsLeftOut('ch3', before, after);

    expect(left).toEqual([
      { replica: 'ch3', table: 'default.orders', parts: ['202611_0_0_0', '202612_2_2_0'], rows: 507 },
    ]);
    expect(describeDetached(left[0]!)).toBe(
      'ch3 default.orders: 507 rows in 2 parts the new ensemble never recorded, detached by ClickHouse ' +
        '(ignored_*/unexpected_* in detached/) and kept: 202611_0_0_0, 202612_2_2_0',
    );
    expect(partsLeftOut('ch3', before, before)).toEqual([]);
  });
});
