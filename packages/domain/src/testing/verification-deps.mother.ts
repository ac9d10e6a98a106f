import type { MinorsPolicy } from '../privacy/minors.js';
import { defaultSleep } from '../shared/timers.js';
import {
  DEFAULT_VERIFICATION_SETTINGS,
  type VerificationDeps,
  type VerificationSettings,
} from '../use-cases/verification-deps.js';
import { FakeFaceVerificationProvider } from './fake-face-verification-provider.js';
import { FakeIdentityDigests } from './fake-identity-digests.js';
import { FixedClock } from './fixed-clock.js';
import {
  InMemoryConsentReceipts,
  type InMemoryConsentTexts,
  type InMemoryConsentReceipts as Receipts,
  seededConsentTexts,
} from './in-memory-consent.js';
import { InMemoryVerificationSessionRepository } from './in-memory-verification-session.repository.js';
import { RecordingEventPublisher } from './recording-event-publisher.js';
import { SequentialIdGenerator } from './sequential-id-generator.js';

export interface TestVerificationDeps extends VerificationDeps {
  readonly repository: InMemoryVerificationSessionRepository;
  readonly provider: FakeFaceVerificationProvider;
  readonly digests: FakeIdentityDigests;
  readonly clock: FixedClock;
  readonly ids: SequentialIdGenerator;
  readonly events: RecordingEventPublisher;
  readonly settings: VerificationSettings;
  /** Seeded with FaceGate's default texts (TEST_CONSENT_VERSION is current); minors refused. */
  readonly consent: {
    readonly texts: InMemoryConsentTexts;
    readonly receipts: Receipts;
    readonly minors: MinorsPolicy;
  };
  /** Advances the clock by `ms` and yields one macrotask, so busy-waits take no real time yet let others run. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Every sleep requested, in ms. */
  readonly sleeps: number[];
}

export type VerificationDepsOverrides = Partial<Omit<VerificationDeps, 'settings'>> & {
  readonly settings?: Partial<VerificationSettings>;
};

/** The overridden members keep their own types; the rest are the fakes. */
export type TestDepsWith<O> = Omit<TestVerificationDeps, keyof O> &
  Omit<O, 'settings'> & {
    readonly settings: VerificationSettings;
  };

/** Deps wired from the fakes, sharing one FixedClock and one FakeIdentityDigests. */
export function makeVerificationDeps<O extends VerificationDepsOverrides = Record<never, never>>(
  overrides?: O,
): TestDepsWith<O> {
  const clock = (overrides?.clock as FixedClock | undefined) ?? new FixedClock();
  const digests = (overrides?.digests as FakeIdentityDigests | undefined) ?? new FakeIdentityDigests();
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    if (clock instanceof FixedClock) clock.advance(ms);
    await defaultSleep(0);
  };
  const base: TestVerificationDeps = {
    repository: new InMemoryVerificationSessionRepository(),
    provider: new FakeFaceVerificationProvider(clock, digests),
    digests,
    clock,
    ids: new SequentialIdGenerator(),
    events: new RecordingEventPublisher(),
    sleep,
    sleeps,
    settings: DEFAULT_VERIFICATION_SETTINGS,
    consent: { texts: seededConsentTexts(), receipts: new InMemoryConsentReceipts(), minors: 'refuse' },
  };
  return {
    ...base,
    ...overrides,
    settings: { ...DEFAULT_VERIFICATION_SETTINGS, ...overrides?.settings },
  } as unknown as TestDepsWith<O>;
}
