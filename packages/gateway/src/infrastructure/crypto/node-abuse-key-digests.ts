import { createHmac } from 'node:crypto';
import type { AbuseKeyDigests, AbuseKeyKind } from '@facegate/domain';

/** The domain's AbuseKeyDigests on node:crypto, keyed with the key ring's rate-limit key. */
export class NodeAbuseKeyDigests implements AbuseKeyDigests {
  constructor(private readonly key: Uint8Array) {}

  hmacHex(kind: AbuseKeyKind, value: string): string {
    return createHmac('sha256', this.key).update(`${kind}:${value}`, 'utf8').digest('hex');
  }
}
