import { describe, expect, it } from 'vitest';
import { compareVersion, detectCapabilities, WxFaceVerifyClient } from '../../src/jsapi/index';
import { FakeWx, partialWx } from './fake-wx';

describe('compareVersion', () => {
  it.each([
    ['3.8.12', '3.8.12', 0],
    ['3.10.0', '3.8.12', 1],
    ['3.8.9', '3.8.12', -1],
    ['3.8', '3.8.0', 0],
    ['2.9.999', '3.0', -1],
  ] as const)('%s vs %s is %i', (a, b, expected) => {
    expect(compareVersion(a, b)).toBe(expected);
  });
});

describe('detectCapabilities', () => {
  it('reports both protocols and every liveness type on a current phone', () => {
    const caps = detectCapabilities(new FakeWx());
    expect(caps).toEqual({
      v2: true,
      legacy: true,
      livenessTypes: ['READ_DIGITS', 'SCREEN_FLASH', 'SCREEN_FLASH_OR_READ_DIGITS'],
      sdkVersion: '3.9.0',
      clientVersion: '8.0.50',
      platform: 'android',
      userIdKey: true,
    });
  });

  it('has no v2 below base library 3.8.12 even if the function exists', () => {
    const wx = new FakeWx();
    wx.sdkVersion = '3.8.11';
    expect(detectCapabilities(wx).v2).toBe(false);
  });

  it("follows wx.canIUse('requestFacialVerify')", () => {
    const wx = new FakeWx();
    wx.canIUseAnswers = { requestFacialVerify: false };
    expect(detectCapabilities(wx).v2).toBe(false);
  });

  it('has no v2 when requestFacialVerify is absent', () => {
    const wx = partialWx(new FakeWx(), [
      'canIUse',
      'getAppBaseInfo',
      'getDeviceInfo',
      'startFacialRecognitionVerify',
    ]);
    expect(detectCapabilities(wx)).toMatchObject({ v2: false, legacy: true });
  });

  it('has no legacy (and no liveness types) when startFacialRecognitionVerify is absent', () => {
    const wx = partialWx(new FakeWx(), ['canIUse', 'getAppBaseInfo', 'getDeviceInfo', 'requestFacialVerify']);
    expect(detectCapabilities(wx)).toMatchObject({ v2: true, legacy: false, livenessTypes: [] });
  });

  it.each([
    ['android', '6.5.3', []],
    ['android', '6.5.4', ['READ_DIGITS']],
    ['ios', '6.5.5', []],
    ['ios', '6.5.6', ['READ_DIGITS']],
    ['ios', '6.7.2', ['READ_DIGITS', 'SCREEN_FLASH', 'SCREEN_FLASH_OR_READ_DIGITS']],
  ])('on %s %s offers %j', (platform, clientVersion, types) => {
    const wx = new FakeWx();
    wx.platform = platform;
    wx.clientVersion = clientVersion;
    expect(detectCapabilities(wx).livenessTypes).toEqual(types);
  });

  it('offers every liveness type in DevTools (the support check decides)', () => {
    const wx = new FakeWx();
    wx.platform = 'devtools';
    wx.clientVersion = '1.06.0';
    expect(detectCapabilities(wx).livenessTypes).toHaveLength(3);
  });

  it('falls back to getSystemInfoSync on old base libraries', () => {
    const wx = {
      getSystemInfoSync: () => ({ SDKVersion: '2.10.0', version: '7.0.20', platform: 'iOS' }),
      startFacialRecognitionVerify: () => {},
    };
    expect(detectCapabilities(wx)).toEqual({
      v2: false,
      legacy: true,
      livenessTypes: ['READ_DIGITS', 'SCREEN_FLASH', 'SCREEN_FLASH_OR_READ_DIGITS'],
      sdkVersion: '2.10.0',
      clientVersion: '7.0.20',
      platform: 'ios',
      userIdKey: true,
    });
  });

  it('survives info APIs that throw or return nothing', () => {
    const wx = {
      getAppBaseInfo: () => {
        throw new Error('not supported');
      },
      getSystemInfoSync: () => ({}),
      startFacialRecognitionVerify: () => {},
    };
    expect(detectCapabilities(wx)).toMatchObject({
      legacy: true,
      sdkVersion: null,
      clientVersion: null,
      platform: null,
    });
  });

  it('has no userIdKey below base library 1.9.3', () => {
    const wx = new FakeWx();
    wx.sdkVersion = '1.9.2';
    expect(detectCapabilities(wx).userIdKey).toBe(false);
  });

  it('is what WxFaceVerifyClient.capabilities() reports', () => {
    const wx = new FakeWx();
    expect(new WxFaceVerifyClient(wx).capabilities()).toEqual(detectCapabilities(wx));
  });
});
