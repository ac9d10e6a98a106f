import { randomBytes } from 'node:crypto';
import type { Clock, IdGenerator } from '@facegate/domain';

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}

/** Unguessable ids from the CSPRNG; out_seq_no fits WeChat's 5-32 chars of [0-9A-Za-z_-]. */
export class RandomIdGenerator implements IdGenerator {
  sessionId(): string {
    return `vs_${randomBytes(16).toString('base64url')}`;
  }

  outSeqNo(): string {
    return `fg${randomBytes(15).toString('base64url')}`;
  }

  receiptId(): string {
    return `cr_${randomBytes(16).toString('base64url')}`;
  }
}
