/**
 * wx.login and wx.request with their callbacks wrapped once, as promises. (The face APIs are wrapped by
 * @facegate/adapters-wechat/jsapi.) Only the members used here are required, so tests pass a small fake.
 */
export interface WxRequestOptions {
  url: string;
  method: 'POST' | 'GET';
  data?: string | Record<string, unknown>;
  header?: Record<string, string>;
  timeout?: number;
  dataType?: string;
  responseType?: string;
  success?: (res: { statusCode: number; data: unknown; header?: Record<string, string> }) => void;
  fail?: (err: { errMsg: string; errno?: number }) => void;
}

export interface WxTransport {
  request(options: WxRequestOptions): unknown;
  login(options: {
    timeout?: number;
    success?: (res: { code: string; errMsg?: string }) => void;
    fail?: (err: { errMsg: string; errno?: number }) => void;
  }): unknown;
}

/** The request never reached the gateway or no answer came back (offline, timeout, DNS, TLS, domain list). */
export class NetworkError extends Error {
  readonly code = 'NETWORK' as const;
  constructor(readonly errMsg: string) {
    super(`network request failed: ${errMsg}`);
    this.name = 'NetworkError';
  }
}

/** wx.login itself failed (no network, or WeChat refused). */
export class WxLoginError extends Error {
  readonly code = 'WX_LOGIN' as const;
  constructor(readonly errMsg: string) {
    super(`wx.login failed: ${errMsg}`);
    this.name = 'WxLoginError';
  }
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly data: unknown;
}

export function wxRequest(
  wxApi: Pick<WxTransport, 'request'>,
  options: Omit<WxRequestOptions, 'success' | 'fail'>,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    wxApi.request({
      ...options,
      success: (res) => resolve({ statusCode: res.statusCode, data: res.data }),
      fail: (err) => reject(new NetworkError(err?.errMsg ?? 'request:fail')),
    });
  });
}

export function wxLogin(wxApi: Pick<WxTransport, 'login'>): Promise<string> {
  return new Promise((resolve, reject) => {
    wxApi.login({
      success: (res) => {
        if (res && typeof res.code === 'string' && res.code.length > 0) resolve(res.code);
        else reject(new WxLoginError(res?.errMsg ?? 'login:fail no code'));
      },
      fail: (err) => reject(new WxLoginError(err?.errMsg ?? 'login:fail')),
    });
  });
}
