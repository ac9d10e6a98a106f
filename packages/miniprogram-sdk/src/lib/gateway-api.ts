import { authTokenStore } from './auth-token.store';
import { GatewayRequestError, type GraphQLClient } from './graphql-client';
import {
  CANCEL_VERIFICATION,
  CONFIRM_VERIFICATION,
  GATEWAY_INFO,
  GET_VERIFICATION,
  type Operation,
  SANDBOX_DEVICE,
  SIGN_IN,
  START_VERIFICATION,
} from './graphql-operations';
import type {
  ConfirmVerificationInput,
  SandboxDeviceData,
  StartVerificationInput,
  VerificationData,
} from './graphql-types';
import {
  ACCEPT_CONSENT,
  CHOOSE_ALTERNATIVE,
  CONSENT_TEXT,
  VERIFICATION_OPTIONS,
  WITHDRAW_CONSENT,
} from './privacy-operations';
import type { ConsentKind, ConsentTextData, VerificationOptionsData } from './privacy-types';
import { type WxTransport, wxLogin } from './wx-async';

export interface GatewayApiDeps {
  readonly client: GraphQLClient;
  readonly wx: Pick<WxTransport, 'login'>;
  readonly gatewayUrl: () => string;
  /** The app to sign in to (a WeChat appid or a FaceGate app id); null: none is sent, the gateway's default. */
  readonly app: () => string | null;
  readonly now: () => number;
}

/** The gateway as the pages see it: typed calls, signed in on demand (wx.login -> signIn). */
export class GatewayApi {
  constructor(private readonly deps: GatewayApiDeps) {}

  async signIn(): Promise<string> {
    const app = this.deps.app();
    const code = await wxLogin(this.deps.wx);
    // without an app the variable is left out, so the gateway signs in to its default app
    const data = await this.deps.client.execute(SIGN_IN, app === null ? { code } : { code, app }, null);
    const expiresAtMs = Date.parse(data.signIn.expiresAt);
    authTokenStore.set({
      gatewayUrl: this.deps.gatewayUrl(),
      app,
      token: data.signIn.token,
      expiresAtMs: Number.isFinite(expiresAtMs) ? expiresAtMs : this.deps.now() + 10 * 60_000,
    });
    return data.signIn.token;
  }

  async ensureSignedIn(): Promise<string> {
    return authTokenStore.get(this.deps.gatewayUrl(), this.deps.app(), this.deps.now()) ?? this.signIn();
  }

  async startVerification(input: StartVerificationInput): Promise<VerificationData> {
    return (await this.authorized(START_VERIFICATION, { input })).startVerification;
  }

  async confirmVerification(input: ConfirmVerificationInput): Promise<VerificationData> {
    return (await this.authorized(CONFIRM_VERIFICATION, { input })).confirmVerification;
  }

  async cancelVerification(id: string): Promise<VerificationData> {
    return (await this.authorized(CANCEL_VERIFICATION, { id })).cancelVerification;
  }

  async verification(id: string): Promise<VerificationData | null> {
    return (await this.authorized(GET_VERIFICATION, { id })).verification;
  }

  /** Whether the gateway runs against the WeChat sandbox; anyone may ask, before signing in. */
  async isSandbox(): Promise<boolean> {
    return (await this.deps.client.execute(GATEWAY_INFO, {}, null)).gatewayInfo.sandbox === true;
  }

  /** Sandbox mode: the sandbox's device routes, the signed-in test user and the test identities (else null). */
  async sandboxDevice(): Promise<SandboxDeviceData['sandboxDevice']> {
    return (await this.authorized(SANDBOX_DEVICE, {})).sandboxDevice;
  }

  /**
   * The current consent text of `kind` for this app (public: no sign-in needed): the app is named as signIn
   * names it, since an app may have texts of its own; null when none is published.
   */
  async consentText(kind: ConsentKind = 'STANDARD'): Promise<ConsentTextData | null> {
    const app = this.deps.app();
    const variables = app === null ? { kind } : { kind, app };
    return (await this.deps.client.execute(CONSENT_TEXT, variables, null)).consentText;
  }

  /** The operator's alternative to the face and contact text (public). */
  async verificationOptions(): Promise<VerificationOptionsData> {
    return (await this.deps.client.execute(VERIFICATION_OPTIONS, {}, null)).verificationOptions;
  }

  /** Records the user's consent to `version` for a session a service started (before any face API). */
  async acceptConsent(verificationId: string, version: string): Promise<VerificationData> {
    return (await this.authorized(ACCEPT_CONSENT, { verificationId, version })).acceptConsent;
  }

  async withdrawConsent(verificationId: string): Promise<VerificationData> {
    return (await this.authorized(WITHDRAW_CONSENT, { verificationId })).withdrawConsent;
  }

  /** Ends an open session because the user chose the other way to verify. */
  async chooseAlternative(verificationId: string): Promise<VerificationData> {
    return (await this.authorized(CHOOSE_ALTERNATIVE, { verificationId })).chooseAlternative;
  }

  /** One silent re-sign-in when the gateway no longer accepts the token (restart, key rotation, expiry). */
  private async authorized<TData, TVariables>(
    operation: Operation<TData, TVariables>,
    variables: TVariables,
  ): Promise<TData> {
    const token = await this.ensureSignedIn();
    try {
      return await this.deps.client.execute(operation, variables, token);
    } catch (error) {
      if (!(error instanceof GatewayRequestError) || error.code !== 'UNAUTHENTICATED') throw error;
      authTokenStore.clear();
      const fresh = await this.signIn();
      return this.deps.client.execute(operation, variables, fresh);
    }
  }
}
