import { describe, expect, it } from 'vitest';
import { GatewayProtocolError, GatewayRequestError } from '../src/lib/graphql-client';
import { failureMessage, failureMessageOf, requestErrorMessage } from '../src/lib/messages';
import { NetworkError, WxLoginError } from '../src/lib/wx-async';

// What the user reads, written out here rather than read back from the tables under test.
describe('the zh-CN messages the component shows', () => {
  it('a failed attempt reads as the taxonomy says, keeping what the gateway decided about a retry', () => {
    expect(failureMessage({ code: 'FACE_MISMATCH', retryable: false })).toEqual({
      code: 'FACE_MISMATCH',
      text: '人脸与身份证照片不一致，请重试',
      retryable: false,
    });
    expect(failureMessage({ code: 'USER_CANCELED' })).toEqual({
      code: 'USER_CANCELED',
      text: '您已取消核验',
      retryable: true,
    });
    expect(failureMessageOf('DEVICE_UNSUPPORTED')).toEqual({
      code: 'DEVICE_UNSUPPORTED',
      text: '当前设备不支持人脸核身',
      retryable: false,
    });
  });

  it('a failure code the SDK does not know shows the gateway’s message, or a general one', () => {
    expect(failureMessage({ code: 'SOMETHING_NEW', message: '新的原因' }).text).toBe('新的原因');
    expect(failureMessage({ code: 'SOMETHING_NEW' })).toEqual({
      code: 'SOMETHING_NEW',
      text: '人脸核验未通过，请稍后重试',
      retryable: true,
    });
  });

  it.each([
    [new NetworkError('request:fail'), 'NETWORK', '网络连接失败，请检查网络后重试', true],
    [new WxLoginError('login:fail'), 'WX_LOGIN', '微信登录失败，请检查网络后重试', true],
    [new GatewayProtocolError(502), 'GATEWAY_PROTOCOL', '核验服务响应异常，请稍后重试', true],
    [new GatewayRequestError('UNAUTHENTICATED', 'x'), 'UNAUTHENTICATED', '登录状态已失效，请重试', true],
    [
      new GatewayRequestError('FORBIDDEN', 'x'),
      'FORBIDDEN',
      '当前微信账号无权进行该核验，请使用发起核验的微信账号打开',
      false,
    ],
    [new GatewayRequestError('RATE_LIMITED', 'x'), 'RATE_LIMITED', '操作过于频繁，请稍后再试', true],
    [
      new GatewayRequestError('UPSTREAM_UNAVAILABLE', 'x'),
      'UPSTREAM_UNAVAILABLE',
      '微信核验服务暂时不可用，请稍后重试',
      true,
    ],
    [new GatewayRequestError('INTERNAL', 'x'), 'INTERNAL', '核验服务暂时异常，请稍后重试', true],
    [new Error('boom'), 'UNEXPECTED', '出现了意外错误，请稍后重试', true],
  ])('%s reads as %s: %s', (error, code, text, retryable) => {
    expect(requestErrorMessage(error)).toEqual({ code, text, retryable });
  });
});
