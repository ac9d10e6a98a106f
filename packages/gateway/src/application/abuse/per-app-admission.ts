import type {
  AbuseLimits,
  AdmissionSubject,
  AppOverrides,
  StartAdmission,
  StartAdmissionLimits,
  StartAdmissionRequest,
} from '@facegate/domain';

/**
 * The start limits of each app: the deployment's, or the app's own where it sets some (its `limits`). Every
 * app's counts are kept apart anyway (AbuseLimits keys them by app); this only picks the ceilings.
 */
export class PerAppAdmission implements StartAdmission {
  private readonly byApp = new Map<string, { readonly key: string; readonly limits: AbuseLimits }>();

  constructor(
    private readonly deps: {
      readonly base: AbuseLimits;
      readonly overridesOf: (app: string) => AppOverrides;
      /** AbuseLimits sharing the base's counters, with these start limits instead. */
      readonly withLimits: (limits: Partial<StartAdmissionLimits>) => AbuseLimits;
    },
  ) {}

  admit(request: StartAdmissionRequest): Promise<number> {
    return this.limitsOf(request.app).admit(request);
  }

  recordMismatch(subject: AdmissionSubject): Promise<void> {
    return this.limitsOf(subject.app).recordMismatch(subject);
  }

  private limitsOf(app: string): AbuseLimits {
    const own = this.deps.overridesOf(app).limits;
    if (own === undefined || Object.keys(own).length === 0) return this.deps.base;
    const key = JSON.stringify(own);
    const known = this.byApp.get(app);
    if (known?.key === key) return known.limits;
    const limits = this.deps.withLimits(own);
    this.byApp.set(app, { key, limits });
    return limits;
  }
}
