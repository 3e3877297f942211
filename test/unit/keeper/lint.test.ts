import { describe, expect, it } from 'vitest';
import { ALLOW_LIST_FINDINGS, allowListFindings } from '../../../lib/keeper/index.js';
import { fixture } from './support.js';

describe('allowListFindings', () => {
  it('flags an allow list of * once, naming rcvr', () => {
    const findings = allowListFindings(fixture('keeper/conf.txt'));

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: ALLOW_LIST_FINDINGS.allowAll, status: 'warn' });
    expect(findings[0]!.message).toContain('rcvr');
  });

  it("flags Keeper's default list, which includes rcvr", () => {
    const conf =
      'server_id=1\nfour_letter_word_allow_list=conf,cons,crst,envi,ruok,srst,srvr,stat,wchs,dirs,mntr,isro,rcvr,apiv\n';

    expect(allowListFindings(conf)).toEqual([
      expect.objectContaining({
        code: ALLOW_LIST_FINDINGS.dangerousWord,
        message: expect.stringContaining('includes rcvr'),
      }),
    ]);
  });

  it('reads the old key four_letter_word_white_list too', () => {
    expect(allowListFindings('four_letter_word_white_list=ruok, rcvr\n')).toHaveLength(1);
  });

  it('finds nothing in a list without rcvr', () => {
    expect(allowListFindings('server_id=1\nfour_letter_word_allow_list=ruok,mntr,srvr,isro\n')).toEqual([]);
  });

  it('says so when the conf reply cannot be read, instead of passing silently', () => {
    expect(allowListFindings(fixture('keeper/not-serving.txt'))).toEqual([
      expect.objectContaining({
        code: ALLOW_LIST_FINDINGS.unreadable,
        message: expect.stringContaining('not serving'),
      }),
    ]);
  });
});
