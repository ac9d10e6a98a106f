import { describe, expect, it } from 'vitest';
import { ERR_DEVICE_UNSUPPORTED, mapClientErrCode, WxFaceVerifyClient } from '../../src/jsapi/index';
import { FakeWx, partialWx } from './fake-wx';

describe('mapClientErrCode', () => {
  it('is null for 0 and goes through the domain taxonomy otherwise', () => {
    expect(mapClientErrCode(0)).toBeNull();
    expect(mapClientErrCode(90100)).toEqual({ code: 'USER_CANCELED', retryable: true, upstreamCode: 90100 });
    expect(mapClientErrCode(10004)).toMatchObject({ code: 'FACE_MISMATCH', upstreamCode: 10004 });
    expect(mapClientErrCode(90008)).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(mapClientErrCode(90109)).toMatchObject({ code: 'DEVICE_UNSUPPORTED' });
    expect(mapClientErrCode(123456)).toMatchObject({ code: 'UNKNOWN', upstreamCode: 123456 });
  });
});

describe('checkSupport', () => {
  it('passes checkAliveType and reports support on errCode 0', async () => {
    const wx = new FakeWx().script('checkIsSupportFacialRecognition', {
      via: 'success',
      res: { errMsg: 'checkIsSupportFacialRecognition:ok', errCode: 0 },
    });
    const result = await new WxFaceVerifyClient(wx).checkSupport(1);
    expect(result).toEqual({ supported: true, errCode: 0, failure: null });
    expect(wx.calls).toEqual([{ api: 'checkIsSupportFacialRecognition', option: { checkAliveType: 1 } }]);
  });

  it('accepts the ok errMsg alone as support (WeChat documents either)', async () => {
    const wx = new FakeWx().script('checkIsSupportFacialRecognition', {
      via: 'success',
      res: { errMsg: 'checkIsSupportFacialRecognition:ok' },
    });
    await expect(new WxFaceVerifyClient(wx).checkSupport(2)).resolves.toMatchObject({
      supported: true,
      errCode: 0,
    });
  });

  it('resolves (never rejects) when fail is called, with the errCode as DEVICE_UNSUPPORTED', async () => {
    const wx = new FakeWx().script('checkIsSupportFacialRecognition', {
      via: 'fail',
      res: { errMsg: 'checkIsSupportFacialRecognition:fail', errCode: 10001 },
    });
    await expect(new WxFaceVerifyClient(wx).checkSupport(0)).resolves.toEqual({
      supported: false,
      errCode: 10001,
      failure: { code: 'DEVICE_UNSUPPORTED', retryable: false, upstreamCode: 10001 },
    });
  });

  it('reports unsupported when the API does not exist', async () => {
    const wx = partialWx(new FakeWx(), ['getAppBaseInfo']);
    await expect(new WxFaceVerifyClient(wx).checkSupport(0)).resolves.toMatchObject({
      supported: false,
      errCode: ERR_DEVICE_UNSUPPORTED,
    });
  });
});

describe('runLegacyCheck', () => {
  it('sends userIdKey instead of the name and ID number when it has one', async () => {
    const wx = new FakeWx().script('startFacialRecognitionVerify', {
      via: 'success',
      res: { errMsg: 'startFacialRecognitionVerify:ok', errCode: 0, verifyResult: 'VR_1' },
    });
    const outcome = await new WxFaceVerifyClient(wx).runLegacyCheck({
      checkAliveType: 2,
      userIdKey: 'UIK',
      name: '张三',
      idCardNumber: '11010519491231002X',
    });
    expect(outcome).toEqual({ errCode: 0, verifyResult: 'VR_1', failure: null });
    expect(wx.calls[0]).toEqual({
      api: 'startFacialRecognitionVerify',
      option: { userIdKey: 'UIK', checkAliveType: 2 },
    });
  });

  it('sends name and ID number without a userIdKey', async () => {
    const wx = new FakeWx().script('startFacialRecognitionVerify', {
      via: 'success',
      res: { errMsg: 'startFacialRecognitionVerify:ok', errCode: 0, verifyResult: 'VR' },
    });
    await new WxFaceVerifyClient(wx).runLegacyCheck({ checkAliveType: 0, name: '张三', idCardNumber: '1' });
    expect(wx.calls[0]?.option).toEqual({ name: '张三', idCardNumber: '1', checkAliveType: 0 });
  });

  it('resolves a fail callback as data, keeping a verifyResult it carries', async () => {
    const wx = new FakeWx().script('startFacialRecognitionVerify', {
      via: 'fail',
      res: { errMsg: 'startFacialRecognitionVerify:fail', errCode: 10004, verifyResult: 'VR_FAILED_RUN' },
    });
    await expect(
      new WxFaceVerifyClient(wx).runLegacyCheck({ checkAliveType: 1, userIdKey: 'K' }),
    ).resolves.toEqual({
      errCode: 10004,
      verifyResult: 'VR_FAILED_RUN',
      failure: { code: 'FACE_MISMATCH', retryable: true, upstreamCode: 10004 },
    });
  });

  it('uses the upload-video variant when asked', async () => {
    const wx = new FakeWx().script('startFacialRecognitionVerifyAndUploadVideo', {
      via: 'success',
      res: { errMsg: 'startFacialRecognitionVerifyAndUploadVideo:ok', errCode: 0, verifyResult: 'VR' },
    });
    const outcome = await new WxFaceVerifyClient(wx).runLegacyCheck({
      checkAliveType: 1,
      userIdKey: 'K',
      uploadVideo: true,
    });
    expect(outcome.errCode).toBe(0);
    expect(wx.calls.map((c) => c.api)).toEqual(['startFacialRecognitionVerifyAndUploadVideo']);
  });

  it.each([
    ['a string errCode', { errMsg: 'x:fail', errCode: '90100' }, 90100],
    ['a cancel errMsg without errCode', { errMsg: 'startFacialRecognitionVerify:fail cancel' }, 90100],
    ['nothing usable', { errMsg: 'startFacialRecognitionVerify:fail' }, 90199],
  ])('normalizes %s', async (_what, res, errCode) => {
    const wx = new FakeWx().script('startFacialRecognitionVerify', { via: 'fail', res });
    const outcome = await new WxFaceVerifyClient(wx).runLegacyCheck({ checkAliveType: 0, userIdKey: 'K' });
    expect(outcome.errCode).toBe(errCode);
    expect(outcome.verifyResult).toBeNull();
  });

  it('resolves with the unknown code when wx throws synchronously', async () => {
    const wx = new FakeWx().script('startFacialRecognitionVerify', { via: 'throw' });
    await expect(
      new WxFaceVerifyClient(wx).runLegacyCheck({ checkAliveType: 0, userIdKey: 'K' }),
    ).resolves.toMatchObject({ errCode: 90199, failure: { code: 'CLIENT_UNKNOWN_ERROR' } });
  });

  it('reports DEVICE_UNSUPPORTED when the legacy API is missing', async () => {
    const wx = partialWx(new FakeWx(), ['requestFacialVerify']);
    await expect(
      new WxFaceVerifyClient(wx).runLegacyCheck({ checkAliveType: 0, userIdKey: 'K' }),
    ).resolves.toMatchObject({ errCode: 90109, verifyResult: null, failure: { code: 'DEVICE_UNSUPPORTED' } });
  });
});

describe('runV2Check', () => {
  it('passes the verifyId and resolves errCode 0 on success', async () => {
    const wx = new FakeWx().script('requestFacialVerify', {
      via: 'success',
      res: { errMsg: 'requestFacialVerify:ok', errCode: 0 },
    });
    await expect(new WxFaceVerifyClient(wx).runV2Check({ verifyId: 'VID' })).resolves.toEqual({
      errCode: 0,
      failure: null,
    });
    expect(wx.calls).toEqual([{ api: 'requestFacialVerify', option: { verifyId: 'VID' } }]);
  });

  it.each([
    [90003, 'USER_CANCELED'],
    [90010, 'PERMISSION_DENIED'],
    [90017, 'TIMED_OUT'],
    [90001, 'DEVICE_UNSUPPORTED'],
  ])('resolves fail with errCode %i as %s', async (errCode, code) => {
    const wx = new FakeWx().script('requestFacialVerify', {
      via: 'fail',
      res: { errMsg: 'requestFacialVerify:fail', errCode },
    });
    await expect(new WxFaceVerifyClient(wx).runV2Check({ verifyId: 'VID' })).resolves.toMatchObject({
      errCode,
      failure: { code },
    });
  });

  it('uses the upload-video variant when asked', async () => {
    const wx = new FakeWx().script('requestFacialVerifyAndUploadVideo', {
      via: 'success',
      res: { errMsg: 'requestFacialVerifyAndUploadVideo:ok', errCode: 0 },
    });
    await new WxFaceVerifyClient(wx).runV2Check({ verifyId: 'VID', uploadVideo: true });
    expect(wx.calls.map((c) => c.api)).toEqual(['requestFacialVerifyAndUploadVideo']);
  });

  it('maps a cancel errMsg without errCode to a v2 cancel code', async () => {
    const wx = new FakeWx().script('requestFacialVerify', {
      via: 'fail',
      res: { errMsg: 'requestFacialVerify:fail cancel' },
    });
    await expect(new WxFaceVerifyClient(wx).runV2Check({ verifyId: 'VID' })).resolves.toMatchObject({
      errCode: 90002,
      failure: { code: 'USER_CANCELED' },
    });
  });
});
