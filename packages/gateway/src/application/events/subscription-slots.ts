import type { SubscriptionLimits } from '../../config/load-config';

export type SlotRefusal = 'caller' | 'instance';

/**
 * Counts the open verificationUpdated subscriptions of this process, in total and per caller (an openid or
 * an API key), so one token cannot hold hundreds of streams that each cost a database read per change.
 */
export class SubscriptionSlots {
  private total = 0;
  private readonly byCaller = new Map<string, number>();

  constructor(private readonly limits: SubscriptionLimits) {}

  /** A release function (safe to call more than once), or which limit refused the slot. */
  acquire(caller: string): (() => void) | SlotRefusal {
    const mine = this.byCaller.get(caller) ?? 0;
    if (mine >= this.limits.perCaller) return 'caller';
    if (this.total >= this.limits.perInstance) return 'instance';
    this.total += 1;
    this.byCaller.set(caller, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byCaller.get(caller) ?? 1) - 1;
      if (left <= 0) this.byCaller.delete(caller);
      else this.byCaller.set(caller, left);
    };
  }

  open(): number {
    return this.total;
  }
}
