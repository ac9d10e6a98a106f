import { createHash, createHmac } from 'node:crypto';
import type { IdentityDigests } from '@facegate/domain';
import type { KeyRing } from './key-ring';

/** The domain's IdentityDigests on node:crypto; HMAC keys come from the key ring, one per purpose. */
export class NodeIdentityDigests implements IdentityDigests {
  constructor(private readonly keys: KeyRing) {}

  md5Hex(text: string): string {
    return createHash('md5').update(text, 'utf8').digest('hex');
  }

  sha256Hex(text: string): string {
    return createHash('sha256').update(text, 'utf8').digest('hex');
  }

  hmacHex(purpose: 'id-number' | 'evidence' | 'openid', text: string): string {
    return createHmac('sha256', this.keys.key(`hmac:${purpose}`))
      .update(text, 'utf8')
      .digest('hex');
  }
}
