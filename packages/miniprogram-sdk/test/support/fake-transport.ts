import type { WxRequestOptions } from '../../src/lib/wx-async';

export type Answer =
  | { statusCode: number; data: unknown }
  | { fail: string }
  | ((
      body: { operationName: string; query: string; variables: Record<string, unknown> },
      options: WxRequestOptions,
    ) => { statusCode: number; data: unknown } | { fail: string });

/** A wx with request/login that answer from a script and remember what was sent. */
export function fakeTransport(answers: Answer[] = []) {
  const requests: {
    options: WxRequestOptions;
    body: { operationName: string; query: string; variables: Record<string, unknown> };
  }[] = [];
  let loginCount = 0;
  const wx = {
    request(options: WxRequestOptions) {
      const body = JSON.parse(String(options.data));
      requests.push({ options, body });
      const next = answers.shift();
      if (!next) throw new Error(`unexpected request ${body.operationName}`);
      const answer = typeof next === 'function' ? next(body, options) : next;
      queueMicrotask(() => {
        if ('fail' in answer) options.fail?.({ errMsg: answer.fail });
        else options.success?.({ statusCode: answer.statusCode, data: answer.data });
      });
    },
    login(options: { success?: (res: { code: string }) => void }) {
      loginCount += 1;
      const code = `code-${loginCount}`;
      queueMicrotask(() => options.success?.({ code }));
    },
    answers,
    requests,
    get loginCount() {
      return loginCount;
    },
  };
  return wx;
}

export const ok = (data: unknown) => ({ statusCode: 200, data: { data } });
export const gqlError = (code: string, message = code, extra: Record<string, unknown> = {}) => ({
  statusCode: 200,
  data: { data: null, errors: [{ message, extensions: { code, ...extra } }] },
});
