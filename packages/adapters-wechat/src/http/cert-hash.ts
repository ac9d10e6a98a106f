import { createHash } from 'node:crypto';

export type CertType = 'IDENTITY_CARD';

const b64 = (value: string): string => Buffer.from(value, 'utf8').toString('base64');

/**
 * WeChat's v2 cert_hash: lowercase hex SHA-256 of
 * `cert_type=B64(cert_type)&cert_name=B64(cert_name)&cert_no=B64(cert_no)` (standard Base64 of the UTF-8
 * values). The ID number is hashed as given: callers pass the normalized form (trailing X upper-case), the
 * same string sent to getverifyid.
 */
export function certHash(name: string, idNumber: string, certType: CertType = 'IDENTITY_CARD'): string {
  const input = `cert_type=${b64(certType)}&cert_name=${b64(name)}&cert_no=${b64(idNumber)}`;
  return createHash('sha256').update(input, 'utf8').digest('hex');
}
