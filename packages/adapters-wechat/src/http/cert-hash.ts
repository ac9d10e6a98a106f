import { createHash } from 'node:crypto';
import { type CertType, certHashInput } from '@facegate/domain';

/**
 * WeChat's v2 cert_hash: lowercase hex SHA-256 of the domain's certHashInput
 * (`cert_type=B64(type)&cert_name=B64(name)&cert_no=B64(number)`). The ID number is hashed as given: callers
 * pass the normalized form (trailing X upper-case), the same string sent to getverifyid.
 */
export function certHash(name: string, idNumber: string, certType: CertType = 'IDENTITY_CARD'): string {
  return createHash('sha256')
    .update(certHashInput(certType, name, idNumber), 'utf8')
    .digest('hex');
}
