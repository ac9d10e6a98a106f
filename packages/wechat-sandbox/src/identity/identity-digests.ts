import { createHash } from 'node:crypto';
import { normalizeIdNumber } from './resident-id';

const md5Hex = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');
const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** getinfo's id_card_number_md5: lowercase hex MD5 of the number with a trailing x upper-cased. */
export function idCardNumberMd5(idCardNumber: string): string {
  return md5Hex(normalizeIdNumber(idCardNumber));
}

/** getinfo's name_utf8_md5: lowercase hex MD5 of the UTF-8 bytes of the name. */
export function nameUtf8Md5(name: string): string {
  return md5Hex(name);
}

/** v2 cert_hash: lowercase hex SHA-256 of cert_type=B64&cert_name=B64&cert_no=B64 (standard Base64, UTF-8). */
export function certHashOf(certType: string, certName: string, certNo: string): string {
  const input = `cert_type=${base64(certType)}&cert_name=${base64(certName)}&cert_no=${base64(certNo)}`;
  return createHash('sha256').update(input, 'utf8').digest('hex');
}
