/**
 * The shared identity vectors (GB 11643 ID numbers with the MD5s and cert_hash WeChat compares), generated
 * with node:crypto; the people are fictional. test/fixtures/identity.json holds the same data and a test
 * keeps the two equal.
 */
export const testIdentities = {
  valid: [
    {
      name: '张三',
      idCardNumber: '11010519491231002X',
      idCardNumberMd5: 'ae05564031c21338aa8a2e7266e7855c',
      nameUtf8Md5: '615db57aa314529aaa0fbe95b3e95bd3',
      certHash: '471b502b022b21f3e120c5deb08295259bd77cac82956ebffc055c6fced73ce0',
    },
    {
      name: '李四',
      idCardNumber: '440306199003076519',
      idCardNumberMd5: '12755defec7d11751b9df4ca380405f0',
      nameUtf8Md5: '36c942351ec9cc3ad124e288a5c9cf0b',
      certHash: '33a3e52b304fdd47351b13be425cd005af82a4b0c8ae635de6dc0c408c358a7e',
    },
    {
      name: '王小明',
      idCardNumber: '320102198511150035',
      idCardNumberMd5: 'b9b488f3e39da70b9a2e3fa6d9e8d427',
      nameUtf8Md5: '252654e29e5656218f9b24e528dc0bf3',
      certHash: '5c50a7efd712694c933e38ef8c9186de513635361c9ed1ce51370a558e0f73d5',
    },
    {
      name: '阿依古丽·买买提',
      idCardNumber: '650102199202290027',
      idCardNumberMd5: '65af9936d6dbfb1fe449b79850470b0c',
      nameUtf8Md5: '46158988037f01ff1015a8923662b015',
      certHash: '1a595f171014deb1f8ed9de97babd3c5b33793eb96bc1748b7231310db58b22a',
    },
    {
      name: '欧阳娜娜',
      idCardNumber: '510107200001011235',
      idCardNumberMd5: '1c78fd3ce18ec89ed7a4db0c692c47ff',
      nameUtf8Md5: '1e3d84b1d80edc1955b7ade6df627806',
      certHash: '1087b11696d15aa04b6a666934963cc6699c2c49cebe425fa59b32769e8e9581',
    },
  ],
  invalid: [
    {
      input: '110105194912310021',
      why: 'check digit wrong',
    },
    {
      input: '110105194913310021',
      why: 'month 13',
    },
    {
      input: '110105194902300020',
      why: '30 February',
    },
    {
      input: '000105194912310024',
      why: 'no such province code 00',
    },
    {
      input: '1101051949123100',
      why: '16 characters',
    },
    {
      input: '110105194912310021X',
      why: '19 characters',
    },
    {
      input: '11010519491231002Y',
      why: 'non-digit check character',
    },
    {
      input: '210105209912310022',
      why: 'birth date in the future',
    },
  ],
  normalizes: [
    {
      input: ' 11010519491231002x ',
      expected: '11010519491231002X',
      why: 'trim and upper-case x',
    },
    {
      input: '１１０１０５１９４９１２３１００２Ｘ',
      expected: '11010519491231002X',
      why: 'full-width digits and X',
    },
  ],
  wechatDocCertHashExample: {
    certType: 'IDENTITY_CARD',
    certName: '张三',
    certNo: '310101199801011234',
    certHash: '3c241f7ff324977aeb91f173bb2a7b06569e6fd784d5573db34a636d8671108b',
    note: 'example from WeChat docs; its ID fails the checksum',
  },
} as const;

export type TestIdentity = (typeof testIdentities.valid)[number];
