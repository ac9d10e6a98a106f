// The abuse rules live in the domain (@facegate/domain's AbuseLimits); the console still names their refusal
// counts from here.
export type { AbuseRefusalCount } from '@facegate/domain';
