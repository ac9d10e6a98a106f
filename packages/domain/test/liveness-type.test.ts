import {
  checkAliveTypeOf,
  compareClientVersions,
  LIVENESS_MIN_CLIENT_VERSIONS,
  LIVENESS_TYPES,
  livenessTypeOfCheckAliveType,
  livenessTypesSupportedBy,
  observedLivenessOf,
} from '@facegate/domain';
import { describe, expect, it } from 'vitest';

describe('LivenessType', () => {
  it('maps to checkAliveType 0/1/2 and back', () => {
    expect(LIVENESS_TYPES.map(checkAliveTypeOf)).toEqual([0, 1, 2]);
    expect([0, 1, 2].map(livenessTypeOfCheckAliveType)).toEqual([
      'READ_DIGITS',
      'SCREEN_FLASH',
      'SCREEN_FLASH_OR_READ_DIGITS',
    ]);
    expect(livenessTypeOfCheckAliveType(3)).toBeNull();
    expect(livenessTypeOfCheckAliveType(4)).toBeNull();
  });

  it('knows the minimum WeChat clients', () => {
    expect(LIVENESS_MIN_CLIENT_VERSIONS.READ_DIGITS).toEqual({ android: '6.5.4', ios: '6.5.6' });
    expect(LIVENESS_MIN_CLIENT_VERSIONS.SCREEN_FLASH).toEqual({ android: '6.7.2', ios: '6.7.2' });
  });

  it('lists what a client version can run', () => {
    expect(livenessTypesSupportedBy('android', '6.5.4')).toEqual(['READ_DIGITS']);
    expect(livenessTypesSupportedBy('ios', '6.5.5')).toEqual([]);
    expect(livenessTypesSupportedBy('ios', '6.5.6')).toEqual(['READ_DIGITS']);
    expect(livenessTypesSupportedBy('ios', '6.7.2')).toEqual([...LIVENESS_TYPES]);
    expect(livenessTypesSupportedBy('android', '8.0.50')).toEqual([...LIVENESS_TYPES]);
  });

  it('compares versions numerically', () => {
    expect(compareClientVersions('6.10.0', '6.9.9')).toBe(1);
    expect(compareClientVersions('6.5', '6.5.0')).toBe(0);
    expect(compareClientVersions('6.5.3', '6.5.4')).toBe(-1);
    expect(compareClientVersions('x', '0')).toBe(0);
  });

  it('observes digits read aloud from non-empty validate_data, else screen flash', () => {
    expect(observedLivenessOf('3817')).toBe('READ_DIGITS');
    expect(observedLivenessOf('')).toBe('SCREEN_FLASH');
    expect(observedLivenessOf('  ')).toBe('SCREEN_FLASH');
    expect(observedLivenessOf(null)).toBe('SCREEN_FLASH');
  });
});
