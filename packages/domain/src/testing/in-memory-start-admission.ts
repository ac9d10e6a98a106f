import type { StartAdmissionLimits } from '../abuse/abuse-rules.js';
import { DEFAULT_APP } from '../apps/app.js';
import type { Clock } from '../ports/clock.port.js';
import type {
  AdmissionSubject,
  StartAdmission,
  StartAdmissionRequest,
} from '../ports/start-admission.port.js';

export type { StartAdmissionLimits };

/** Tencent FaceID's limits, as the gateway's production defaults. */
export const PRODUCTION_ADMISSION_LIMITS: StartAdmissionLimits = {
  openidPerDay: 20,
  idNumberPerMinute: 15,
  idNumberPerDay: 30,
  idNumberMismatchesPerDay: 10,
};

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Day windows start at midnight in China (UTC+8), as the gateway's do. */
const CHINA_OFFSET_MS = 8 * 60 * MINUTE_MS;

/**
 * StartAdmission in memory, with the rules of the port's doc comment, written out apart from AbuseLimits (which
 * implements the same on the counters ports; the start-admission contract suite runs both). Fixed windows from
 * the clock: a minute, and a day from midnight in China.
 */
export class InMemoryStartAdmission implements StartAdmission {
  readonly limits: StartAdmissionLimits;
  /** Every mismatch recorded, in order. */
  readonly mismatches: AdmissionSubject[] = [];
  /** How often `verifiedBefore` was asked. */
  verifiedBeforeAsked = 0;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    limits: Partial<StartAdmissionLimits> = {},
  ) {
    this.limits = { ...PRODUCTION_ADMISSION_LIMITS, ...limits };
  }

  async admit(request: StartAdmissionRequest): Promise<number> {
    await Promise.resolve();
    const { openid, idNumberHmac } = perApp(request);
    const { clientAddress } = request;
    const pair = `${idNumberHmac}|${openid}`;
    for (const [scope, key, windowMs, limit] of [
      ['openid:day', openid, DAY_MS, this.limits.openidPerDay],
      ['pair:minute', pair, MINUTE_MS, this.limits.idNumberPerMinute],
      ['pair:day', pair, DAY_MS, this.limits.idNumberPerDay],
    ] as const) {
      const window = this.window(windowMs);
      const id = `${scope}|${key}|${window.start}`;
      const count = (this.counts.get(id) ?? 0) + 1;
      this.counts.set(id, count);
      if (count > limit) return window.secondsLeft;
    }
    const day = this.window(DAY_MS);
    if (this.read('mismatch:number', idNumberHmac) < this.limits.idNumberMismatchesPerDay) return 0;
    const hammered =
      this.read('mismatch:pair', pair) > 0 ||
      (clientAddress !== null && this.read('mismatch:address', `${idNumberHmac}|${clientAddress}`) > 0);
    if (!hammered) return 0;
    this.verifiedBeforeAsked += 1;
    return (await request.verifiedBefore()) ? 0 : day.secondsLeft;
  }

  async recordMismatch(subject: AdmissionSubject): Promise<void> {
    await Promise.resolve();
    this.mismatches.push({ ...subject });
    const { openid, idNumberHmac } = perApp(subject);
    const { clientAddress } = subject;
    this.add('mismatch:number', idNumberHmac);
    this.add('mismatch:pair', `${idNumberHmac}|${openid}`);
    if (clientAddress !== null) this.add('mismatch:address', `${idNumberHmac}|${clientAddress}`);
  }

  private read(scope: string, key: string): number {
    return this.counts.get(`${scope}|${key}|${this.window(DAY_MS).start}`) ?? 0;
  }

  private add(scope: string, key: string): void {
    const id = `${scope}|${key}|${this.window(DAY_MS).start}`;
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  private window(windowMs: number): { start: number; secondsLeft: number } {
    const now = this.clock.now().getTime();
    const offset = windowMs === DAY_MS ? CHINA_OFFSET_MS : 0;
    const start = Math.floor((now + offset) / windowMs) * windowMs - offset;
    return { start, secondsLeft: Math.max(1, Math.ceil((start + windowMs - now) / 1000)) };
  }
}

/** Every limit counts per app: the subject's openid and ID number, qualified by any app but the default. */
function perApp(subject: AdmissionSubject): { openid: string; idNumberHmac: string } {
  const prefix = subject.app === DEFAULT_APP ? '' : `${subject.app}/`;
  return { openid: prefix + subject.openid, idNumberHmac: prefix + subject.idNumberHmac };
}
