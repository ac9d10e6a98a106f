import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { waitFor } from '@facegate/test-support';
import type { SandboxScenario } from '@facegate/wechat-sandbox';

const require = createRequire(import.meta.url);

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

export interface DeviceProfile {
  readonly openid: string;
  /** wx.requestFacialVerify exists (base library >= 3.8.12). */
  readonly v2: boolean;
  /** wx.startFacialRecognitionVerify exists and checkIsSupportFacialRecognition says yes. */
  readonly legacy: boolean;
  readonly sdkVersion: string;
  readonly clientVersion: string;
  /**
   * 'devtools': WeChat DevTools with the tourist AppID: wx.login makes up a code WeChat (the sandbox) never
   * issued, and the system info says platform "devtools". Default: a phone (android).
   */
  readonly platform?: 'android' | 'devtools';
}

export const MODERN_PHONE: Omit<DeviceProfile, 'openid'> = {
  v2: true,
  legacy: true,
  sdkVersion: '3.9.2',
  clientVersion: '8.0.55',
};
/** WeChat DevTools with the tourist AppID (the face APIs exist there, but need an approved AppID). */
export const DEVTOOLS: Omit<DeviceProfile, 'openid'> = {
  v2: true,
  legacy: true,
  sdkVersion: '3.9.2',
  clientVersion: '8.0.5',
  platform: 'devtools',
};
export const OLDER_PHONE: Omit<DeviceProfile, 'openid'> = {
  v2: false,
  legacy: true,
  sdkVersion: '2.30.0',
  clientVersion: '8.0.30',
};

interface SimNode {
  dom: HTMLElement;
  data?: Record<string, unknown>;
  dispatchEvent(name: string, detail?: unknown): void;
  querySelector(selector: string): SimNode | null | undefined;
}

interface SimComponent extends SimNode {
  data: Record<string, unknown>;
  instance: Record<string, (...args: unknown[]) => unknown> & { data: Record<string, unknown> };
  attach(parent: Element): void;
  detach(): void;
  triggerPageLifeTime(name: string): void;
}

/** Where the SDK's plain API lands after DevTools' "build npm" (relative to the mini program's root). */
export const SDK_NPM_DIR = 'miniprogram_npm/@facegate/miniprogram-sdk';
/**
 * The <facegate-verify> a page hosts, by its id or class "facegate" (miniprogram-simulate cannot select a
 * custom component by its tag): selectors look inside it too, as a user sees one screen.
 */
const HOSTED_COMPONENTS = ['#facegate', '.facegate'];

interface Simulate {
  load(path: string, options: Record<string, unknown>): string;
  render(id: string): SimComponent;
}

type Callbacks = {
  success?: (res: unknown) => void;
  fail?: (res: unknown) => void;
  complete?: (res: unknown) => void;
};

export interface SentOperation {
  readonly operationName: string;
  readonly variables: Record<string, unknown>;
}

/**
 * The mini program as a phone runs it: pages from the build output rendered by miniprogram-simulate, with a
 * `wx` whose network, login and face APIs go over real HTTP to the gateway and the sandbox's device side.
 * npm components in usingComponents resolve through miniprogram_npm/, as in WeChat after "build npm".
 */
export class MiniProgramHarness {
  readonly sent: SentOperation[] = [];
  /** Every wx.request the mini program made, GraphQL or not. */
  requestCount = 0;
  readonly navigations: string[] = [];
  readonly faceChecks: { api: 'legacy' | 'v2'; input: Record<string, unknown> }[] = [];
  /** Scenarios for the next face checks, in order (none: the identity decides, as on a real phone). */
  readonly nextScenarios: SandboxScenario[] = [];
  /** Every wx.showActionSheet shown, by its items. */
  readonly actionSheets: string[][] = [];
  /** What the user taps in the next action sheets, by item text, in order (none left: the sheet is closed). */
  readonly actionSheetTaps: string[] = [];
  /** wx.request fails as when the phone is offline. */
  offline = false;
  /** The next face check does not answer until releaseFaceCheck() (the user left the face UI). */
  holdNextFaceCheck = false;
  page: SimComponent | null = null;
  pageRoute = '';
  private held: (() => Promise<void>) | null = null;
  private readonly simulate: Simulate;
  private readonly storage = new Map<string, unknown>();

  constructor(
    private readonly distDir: string,
    gatewayUrl: string,
    private readonly sandboxUrl: string,
    readonly device: DeviceProfile,
  ) {
    this.simulate = require('miniprogram-simulate') as Simulate;
    this.storage.set('facegate:gateway-url', gatewayUrl);
    this.installWx();
    // Module state (the signed-in token, the consent) belongs to one app launch.
    this.distRequire(`${SDK_NPM_DIR}/index.js`).signOut();
  }

  distRequire(file: string) {
    return require(join(this.distDir, file));
  }

  /** Opens a page as WeChat does: render, onLoad(query), onShow(). */
  open(url: string): SimComponent {
    this.closePage();
    const [route = '', search = ''] = url.replace(/^\//, '').split('?');
    const query = Object.fromEntries(new URLSearchParams(search));
    const id = this.simulate.load(join(this.distDir, route), {
      compiler: 'simulate',
      rootPath: this.distDir,
      usingComponents: this.npmComponentsOf(route),
    });
    const page = this.simulate.render(id);
    page.attach(document.createElement('parent-wrapper'));
    this.page = page;
    this.pageRoute = route;
    page.instance.onLoad?.call(page.instance, query);
    page.instance.onShow?.call(page.instance);
    return page;
  }

  /**
   * WeChat's lookup of a usingComponents name that is neither relative nor absolute: miniprogram_npm/ beside
   * the page, then in each folder above it up to the root. (miniprogram-simulate only knows file paths.)
   */
  private npmComponentsOf(route: string): Record<string, string> {
    const json = JSON.parse(readFileSync(join(this.distDir, `${route}.json`), 'utf8')) as {
      usingComponents?: Record<string, string>;
    };
    const resolved: Record<string, string> = {};
    for (const [tag, target] of Object.entries(json.usingComponents ?? {})) {
      if (target.startsWith('.') || target.startsWith('/')) continue;
      for (let dir = dirname(join(this.distDir, route)); ; dir = dirname(dir)) {
        const candidate = join(dir, 'miniprogram_npm', target);
        if (existsSync(`${candidate}.json`)) {
          resolved[tag] = `/${relative(this.distDir, candidate).split(sep).join('/')}`;
          break;
        }
        if (dir === this.distDir || dir === dirname(dir))
          throw new Error(
            `${route}.json: ${tag} -> ${target} is not in any miniprogram_npm (run "build npm")`,
          );
      }
    }
    return resolved;
  }

  /** Unloads the open page as WeChat does when it is left for good (its flow stops). */
  closePage(): void {
    if (!this.page) return;
    this.page.instance.onUnload?.call(this.page.instance);
    this.page.detach();
    this.page = null;
  }

  /** Follows the last wx.navigateTo / redirectTo / reLaunch. */
  followNavigation(): SimComponent {
    const url = this.navigations[this.navigations.length - 1];
    if (!url) throw new Error('the page did not navigate');
    return this.open(url);
  }

  hidePage(): void {
    this.page?.instance.onHide?.call(this.page.instance);
    this.page?.triggerPageLifeTime('hide');
  }

  showPage(): void {
    this.page?.instance.onShow?.call(this.page.instance);
    this.page?.triggerPageLifeTime('show');
  }

  /** The data of the first hosted component (what the user sees in it). */
  componentData(): Record<string, unknown> | null {
    return this.hosted()[0]?.data ?? null;
  }

  private hosted(): SimNode[] {
    const page = this.current();
    for (const selector of HOSTED_COMPONENTS) {
      const node = page.querySelector(selector);
      if (node) return [node];
    }
    return [];
  }

  /** The first match on the page or inside a component it hosts. */
  private find(selector: string): SimNode | null {
    const onPage = this.current().querySelector(selector);
    if (onPage) return onPage;
    for (const host of this.hosted()) {
      const inside = host.querySelector(selector);
      if (inside) return inside;
    }
    return null;
  }

  /**
   * The held face check answers now. Resolves once its callbacks have run, and after them whatever they set
   * off that needs no I/O (the promise continuations up to a wx.request, say): what the mini program does
   * with the answer is then visible in `sent`.
   */
  async releaseFaceCheck(): Promise<void> {
    const answer = this.held;
    if (!answer) throw new Error('no face check is held');
    this.held = null;
    await answer();
    await new Promise((resolve) => setImmediate(resolve));
  }

  private current(): SimComponent {
    if (!this.page) throw new Error('no page is open');
    return this.page;
  }

  /** The node as rendered (j-component's querySelector also finds nodes a false wx:if keeps aside). */
  private rendered(selector: string) {
    const page = this.current();
    const node = this.find(selector);
    return node && page.dom.contains(node.dom) ? node : null;
  }

  exists(selector: string): boolean {
    return this.rendered(selector) !== null;
  }

  text(selector: string): string {
    return this.rendered(selector)?.dom.textContent?.trim() ?? '';
  }

  // miniprogram-simulate delivers events asynchronously: each interaction waits for its handler.
  async tap(selector: string): Promise<void> {
    const node = this.rendered(selector);
    if (!node) throw new Error(`nothing to tap at ${selector} on ${this.pageRoute}`);
    node.dispatchEvent('tap');
    await tick();
  }

  async type(selector: string, value: string): Promise<void> {
    const node = this.find(selector);
    if (!node) throw new Error(`no input ${selector} on ${this.pageRoute}`);
    node.dispatchEvent('input', { detail: { value } });
    await tick();
    node.dispatchEvent('blur', { detail: { value } });
    await tick();
  }

  async change(selector: string, detail: unknown): Promise<void> {
    const node = this.find(selector);
    if (!node) throw new Error(`no ${selector} on ${this.pageRoute}`);
    node.dispatchEvent('change', { detail });
    await tick();
  }

  async waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    await waitFor(what, condition, {
      timeoutMs,
      intervalMs: 10,
      detail: () => `page ${this.pageRoute}: ${this.page?.dom.textContent}`,
    });
  }

  private async post(path: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.sandboxUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`sandbox ${path}: HTTP ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  }

  private faceCheck(
    api: 'legacy' | 'v2',
    path: string,
    input: Record<string, unknown>,
    callbacks: Callbacks,
  ) {
    this.faceChecks.push({ api, input });
    const scenario = this.nextScenarios.shift();
    const run = async () => {
      const result = await this.post(path, {
        openid: this.device.openid,
        ...input,
        ...(scenario ? { scenario } : {}),
      });
      const res = { ...result, ...(result.verifyResult === null ? { verifyResult: undefined } : {}) };
      if (result.errCode === 0) callbacks.success?.(res);
      else callbacks.fail?.(res);
      callbacks.complete?.(res);
    };
    if (this.holdNextFaceCheck) {
      this.holdNextFaceCheck = false;
      this.held = run;
    } else void run();
  }

  private installWx(): void {
    const device = this.device;
    const g = globalThis as unknown as { wx: Record<string, unknown> };
    const platform = device.platform ?? 'android';
    const baseInfo = { SDKVersion: device.sdkVersion, version: device.clientVersion, platform };
    Object.assign(g.wx, {
      getAccountInfoSync: () => ({ miniProgram: { envVersion: 'develop', appId: 'wx_sandbox_app' } }),
      getStorageSync: (key: string) => this.storage.get(key) ?? '',
      setStorageSync: (key: string, value: unknown) => this.storage.set(key, value),
      getSystemInfoSync: () => ({ ...baseInfo }),
      getAppBaseInfo: () => ({ ...baseInfo }),
      getDeviceInfo: () => ({ platform }),
      canIUse: (name: string) => {
        if (name.startsWith('requestFacialVerify')) return device.v2;
        if (
          name.startsWith('startFacialRecognitionVerify') ||
          name.startsWith('checkIsSupportFacialRecognition')
        )
          return device.legacy;
        return true;
      },
      navigateTo: (o: { url: string } & Callbacks) => {
        this.navigations.push(o.url);
        o.success?.({ errMsg: 'navigateTo:ok' });
      },
      redirectTo: (o: { url: string } & Callbacks) => {
        this.navigations.push(o.url);
        o.success?.({ errMsg: 'redirectTo:ok' });
      },
      reLaunch: (o: { url: string } & Callbacks) => {
        this.navigations.push(o.url);
        o.success?.({ errMsg: 'reLaunch:ok' });
      },
      navigateBack: (o: Callbacks = {}) => {
        this.navigations.push('back');
        o.success?.({ errMsg: 'navigateBack:ok' });
      },
      showActionSheet: (o: { itemList: string[] } & Callbacks) => {
        this.actionSheets.push([...o.itemList]);
        const tap = this.actionSheetTaps.shift();
        const tapIndex = tap === undefined ? -1 : o.itemList.indexOf(tap);
        setTimeout(() => {
          if (tapIndex >= 0) o.success?.({ tapIndex, errMsg: 'showActionSheet:ok' });
          else o.fail?.({ errMsg: 'showActionSheet:fail cancel' });
        }, 0);
      },
      showToast: () => undefined,
      showLoading: () => undefined,
      hideLoading: () => undefined,
      login: (o: Callbacks) => {
        if (platform === 'devtools') {
          // DevTools without an approved AppID: a code of its own making, which WeChat never issued
          setTimeout(() => o.success?.({ code: `devtools-${randomUUID()}`, errMsg: 'login:ok' }), 0);
          return;
        }
        this.post('/sandbox/device/login', { openid: device.openid })
          .then((res) => o.success?.({ code: res.code, errMsg: 'login:ok' }))
          .catch((error: Error) => o.fail?.({ errMsg: `login:fail ${error.message}` }));
      },
      request: (
        o: { url: string; method?: string; data?: unknown; header?: Record<string, string> } & Callbacks,
      ) => {
        this.requestCount += 1;
        if (this.offline) {
          setTimeout(
            () => o.fail?.({ errMsg: 'request:fail net::ERR_INTERNET_DISCONNECTED', errno: 600001 }),
            0,
          );
          return;
        }
        try {
          const body = JSON.parse(String(o.data));
          if (typeof body.operationName === 'string')
            this.sent.push({ operationName: body.operationName, variables: body.variables });
        } catch {
          // not GraphQL: counted by the gateway anyway
        }
        fetch(o.url, {
          method: o.method ?? 'GET',
          headers: o.header ?? {},
          body: typeof o.data === 'string' ? o.data : JSON.stringify(o.data),
        })
          .then(async (response) => {
            const text = await response.text();
            let data: unknown = text;
            try {
              data = JSON.parse(text); // wx.request's default dataType 'json'
            } catch {
              // left as text, as wx does
            }
            o.success?.({ statusCode: response.status, data, header: Object.fromEntries(response.headers) });
          })
          .catch((error: Error) => o.fail?.({ errMsg: `request:fail ${error.message}` }));
      },
      checkIsSupportFacialRecognition: (o: Callbacks & { checkAliveType?: number }) => {
        const res = device.legacy
          ? { errCode: 0, errMsg: 'checkIsSupportFacialRecognition:ok' }
          : { errCode: 10001, errMsg: 'checkIsSupportFacialRecognition:fail no front camera' };
        setTimeout(() => {
          if (res.errCode === 0) o.success?.(res);
          else o.fail?.(res);
          o.complete?.(res);
        }, 0);
      },
      startFacialRecognitionVerify: device.legacy
        ? (o: Callbacks & Record<string, unknown>) => {
            const { success, fail, complete, ...input } = o;
            this.faceCheck('legacy', '/sandbox/device/legacy-check', input, { success, fail, complete });
          }
        : undefined,
      requestFacialVerify: device.v2
        ? (o: Callbacks & { verifyId: string }) => {
            const { success, fail, complete, ...input } = o;
            this.faceCheck('v2', '/sandbox/device/v2-check', input, { success, fail, complete });
          }
        : undefined,
    });
  }
}
