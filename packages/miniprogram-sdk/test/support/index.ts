/** Test support shared with @facegate/miniprogram (its journeys run the same component). */

export { aVerification } from './fake-flow-deps';
export * from './live-gateway';
export * from './miniprogram-harness';
