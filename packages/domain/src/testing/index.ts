/**
 * Fakes and object mothers every FaceGate package tests against. The repository contract suite is a separate
 * export (@facegate/domain/testing/repository-contract) because it imports vitest.
 */
export * from './fake-face-verification-provider';
export * from './fake-identity-digests';
export * from './fixed-clock';
export { hmacSha256Hex, md5Hex, sha256Hex } from './hash-functions';
export * from './in-memory-verification-session.repository';
export * from './object-mothers';
export * from './recording-event-publisher';
export * from './sequential-id-generator';
export * from './test-identities';
export * from './verification-deps.mother';
