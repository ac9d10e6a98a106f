import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { certHash } from '../../src/http/index';

interface Vectors {
  valid: { name: string; idCardNumber: string; certHash: string }[];
  wechatDocCertHashExample: { certType: string; certName: string; certNo: string; certHash: string };
}
const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/identity.json', import.meta.url), 'utf8'),
) as Vectors;

describe('certHash', () => {
  it("matches WeChat's documented example", () => {
    expect(certHash('张三', '310101199801011234')).toBe(
      '3c241f7ff324977aeb91f173bb2a7b06569e6fd784d5573db34a636d8671108b',
    );
    const doc = vectors.wechatDocCertHashExample;
    expect(certHash(doc.certName, doc.certNo)).toBe(doc.certHash);
  });

  it.each(vectors.valid.map((v) => [v.name, v]))('matches the shared vector for %s', (_name, v) => {
    expect(certHash(v.name, v.idCardNumber)).toBe(v.certHash);
  });

  it('depends on the exact ID string (lower-case x is a different hash)', () => {
    expect(certHash('张三', '11010519491231002x')).not.toBe(certHash('张三', '11010519491231002X'));
  });
});
