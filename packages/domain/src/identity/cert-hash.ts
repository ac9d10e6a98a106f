import { base64Encode } from '../shared/base64.js';
import { utf8Encode } from '../shared/utf8.js';

export type CertType = 'IDENTITY_CARD';

const b64 = (text: string) => base64Encode(utf8Encode(text));

/**
 * The text whose SHA-256 (lowercase hex, via IdentityDigests.sha256Hex) is v2's cert_hash:
 * cert_type=B64(type)&cert_name=B64(name)&cert_no=B64(number), standard Base64 of the UTF-8 values.
 */
export function certHashInput(certType: CertType, name: string, idNumber: string): string {
  return `cert_type=${b64(certType)}&cert_name=${b64(name)}&cert_no=${b64(idNumber)}`;
}
