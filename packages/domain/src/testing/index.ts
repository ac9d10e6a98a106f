/**
 * Fakes and object mothers every FaceGate package tests against. The contract suites are separate exports
 * (@facegate/domain/testing/repository-contract, .../start-admission-contract, .../webhook-ports-contract)
 * because they import vitest.
 */
export * from './abuse-limits.mother.js';
export * from './exact-rate-limiter.js';
export * from './fake-abuse-key-digests.js';
export * from './fake-face-verification-provider.js';
export * from './fake-identity-digests.js';
export * from './fixed-clock.js';
export { hmacSha256Hex, md5Hex, sha256Hex } from './hash-functions.js';
export * from './in-memory-audit.js';
export * from './in-memory-consent.js';
export * from './in-memory-rate-limit-counters.js';
export * from './in-memory-start-admission.js';
export * from './in-memory-verification-session.repository.js';
export * from './in-memory-webhooks.js';
export * from './object-mothers.js';
export * from './recording-event-publisher.js';
export * from './sequential-id-generator.js';
export * from './test-identities.js';
export * from './verification-deps.mother.js';
