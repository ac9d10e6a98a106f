/**
 * Consent texts of an app, through GraphQL (sandbox mode serves `default` and `card`): a text published for
 * card is what card's users are shown and must accept; default's users keep the deployment's text; keys
 * limited to an app publish for it only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../src/composition/tokens';
import { CONSENT, PEOPLE } from './support/flows';
import { DATABASE_KINDS, type Json, START, startTestGateway, type TestGateway } from './support/test-gateway';

const CARD_APPID = 'wx_sandbox_card';
const TEXT = 'version kind purpose textZh sha256 app';
const CONSENT_TEXT = `query($kind: ConsentKind, $app: String) { consentText(kind: $kind, app: $app) { ${TEXT} } }`;
const PUBLISH = `mutation($input: PublishConsentTextInput!) { publishConsentText(input: $input) { ${TEXT} } }`;
const RECEIPT = 'consentReceipt { id version textSha256 purpose }';

describe.each(DATABASE_KINDS)('consent texts of an app (%s)', (database) => {
  let t: TestGateway;
  let admin: string;
  let cardAdmin: string;
  let cardReader: string;
  const cardVersion = `card-2026-${database}`;
  let cardSha: string;

  const signInTo = async (openid: string, app: 'default' | 'card'): Promise<string> => {
    const code = app === 'card' ? t.sandbox.device.login(openid, CARD_APPID) : t.sandbox.device.login(openid);
    const body = await t.gql(
      'mutation($code: String!, $app: String) { signIn(code: $code, app: $app) { token } }',
      {
        code,
        app,
      },
    );
    return (body.body.data as Json).signIn.token;
  };
  const startWith = (token: string, version: string) =>
    t.gql(
      START.replace('{ id status', `{ ${RECEIPT} id status`),
      {
        input: { ...PEOPLE.zhang, protocol: 'V2', consent: { version } },
      },
      token,
    );
  const keyFor = async (name: string, scopes: Parameters<TestGateway['createApiKey']>[0], apps: string[]) => {
    const created = await t.container.resolve(TOKENS.ApiKeys).create(name, scopes, apps);
    if (!created.ok) throw new Error(created.error.message);
    return created.value.key;
  };

  beforeAll(async () => {
    t = await startTestGateway({ database });
    admin = await t.createApiKey(['console:admin', 'console:read']);
    cardAdmin = await keyFor('card admin', ['console:admin'], ['card']);
    cardReader = await keyFor('card reader', ['console:read'], ['card']);
  }, 300_000);
  afterAll(async () => {
    await t?.close();
  });

  it('an admin publishes a text for card only; the deployment text stays current for everyone else', async () => {
    const published = await t.gql(
      PUBLISH,
      {
        input: {
          version: cardVersion,
          purpose: '办卡身份核验',
          textZh: '为办理信用卡，我们将核验您的身份。',
          app: 'card',
        },
      },
      admin,
    );
    expect(published.body.errors).toBeUndefined();
    const text = (published.body.data as Json).publishConsentText;
    expect(text).toMatchObject({ version: cardVersion, kind: 'STANDARD', app: 'card' });
    cardSha = text.sha256;

    // before sign-in the mini program names itself by appid or app id; without a name: the default app
    for (const app of ['card', CARD_APPID]) {
      expect((await t.gql(CONSENT_TEXT, { app })).body.data).toMatchObject({
        consentText: { version: cardVersion, app: 'card' },
      });
    }
    for (const app of [undefined, 'default']) {
      expect((await t.gql(CONSENT_TEXT, { app })).body.data).toMatchObject({
        consentText: { version: CONSENT.version, app: null },
      });
    }
    // card has no guardian text of its own: the deployment's
    expect((await t.gql(CONSENT_TEXT, { kind: 'GUARDIAN', app: 'card' })).body.data).toMatchObject({
      consentText: { kind: 'GUARDIAN', app: null },
    });
    // sandbox mode, like signIn: an appid it does not know (DevTools' tourist appid) is the default app
    expect((await t.gql(CONSENT_TEXT, { app: 'wx_tourist_appid' })).body.data).toMatchObject({
      consentText: { version: CONSENT.version },
    });
  });

  it("a signed-in user is shown their own app's text, whatever app they name", async () => {
    const card = await signInTo('o_consent_card_shown', 'card');
    const plain = await signInTo('o_consent_default_shown', 'default');
    for (const app of [undefined, 'default', 'card']) {
      expect((await t.gql(CONSENT_TEXT, { app }, card)).body.data).toMatchObject({
        consentText: { version: cardVersion },
      });
      expect((await t.gql(CONSENT_TEXT, { app }, plain)).body.data).toMatchObject({
        consentText: { version: CONSENT.version },
      });
    }
  });

  it("a card user must accept card's text: the deployment's version is CONSENT_REQUIRED naming card's; the receipt records card's text", async () => {
    const token = await signInTo('o_consent_card_start', 'card');
    const refused = await startWith(token, CONSENT.version);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'CONSENT_REQUIRED',
      currentVersion: cardVersion,
    });
    const started = await startWith(token, cardVersion);
    expect(started.body.errors).toBeUndefined();
    const session = (started.body.data as Json).startVerification;
    expect(session.consentReceipt).toMatchObject({
      version: cardVersion,
      textSha256: cardSha,
      purpose: '办卡身份核验',
    });
    const receipt = await t.container.resolve(TOKENS.ConsentReceipts).findById(session.consentReceipt.id);
    expect(receipt).toMatchObject({ version: cardVersion, textSha256: cardSha });
  });

  it("a default user still uses the deployment's text; card's version is refused there", async () => {
    const token = await signInTo('o_consent_default_start', 'default');
    const refused = await startWith(token, cardVersion);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({
      rule: 'CONSENT_REQUIRED',
      currentVersion: CONSENT.version,
    });
    const started = await startWith(token, CONSENT.version);
    expect((started.body.data as Json).startVerification.consentReceipt).toMatchObject({
      version: CONSENT.version,
    });
  });

  it("acceptConsent on a card session a service started takes card's version only", async () => {
    const service = await keyFor('card service', ['verifications:write'], ['card']);
    const started = await t.gql(
      START.replace('{ id status', '{ app id status'),
      { input: { ...PEOPLE.li, protocol: 'V2', openid: 'o_consent_card_accept', app: 'card' } },
      service,
    );
    expect(started.body.errors).toBeUndefined();
    const id = (started.body.data as Json).startVerification.id;
    const token = await signInTo('o_consent_card_accept', 'card');
    const accept = (version: string) =>
      t.gql(
        `mutation($id: ID!, $version: String!) { acceptConsent(verificationId: $id, version: $version) { id ${RECEIPT} } }`,
        { id, version },
        token,
      );
    expect((await accept(CONSENT.version)).body.errors?.[0]?.extensions).toMatchObject({
      rule: 'CONSENT_REQUIRED',
      currentVersion: cardVersion,
    });
    expect(((await accept(cardVersion)).body.data as Json).acceptConsent.consentReceipt).toMatchObject({
      version: cardVersion,
      textSha256: cardSha,
    });
  });

  it("a key limited to card publishes card's texts only: never the deployment's nor default's", async () => {
    const input = {
      version: `card-key-${database}`,
      kind: 'GUARDIAN',
      purpose: '监护人同意',
      textZh: '监护人同意书',
    };
    for (const app of [undefined, 'default']) {
      const refused = await t.gql(PUBLISH, { input: { ...input, app } }, cardAdmin);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const own = await t.gql(PUBLISH, { input: { ...input, app: 'card' } }, cardAdmin);
    expect((own.body.data as Json).publishConsentText).toMatchObject({ kind: 'GUARDIAN', app: 'card' });
    // an unknown app, or a version another app holds, is refused
    const unknown = await t.gql(PUBLISH, { input: { ...input, version: 'x-1', app: 'nope' } }, admin);
    expect(unknown.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'APP_UNKNOWN',
    });
    const clash = await t.gql(PUBLISH, { input: { ...input, app: 'default' } }, admin);
    expect(clash.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it("consentTexts lists each text's app; a key limited to card sees the deployment's and card's", async () => {
    const ownDefault = await t.gql(
      PUBLISH,
      {
        input: {
          version: `default-own-${database}`,
          purpose: '零售',
          textZh: '零售小程序的同意书',
          app: 'default',
        },
      },
      admin,
    );
    expect(ownDefault.body.errors).toBeUndefined();
    const list = async (key: string) =>
      ((await t.gql('{ consentTexts { version app } }', {}, key)).body.data as Json).consentTexts as {
        version: string;
        app: string | null;
      }[];
    const everything = await list(admin);
    expect(everything.slice(0, 3)).toEqual([
      { version: `default-own-${database}`, app: 'default' },
      { version: `card-key-${database}`, app: 'card' },
      { version: cardVersion, app: 'card' },
    ]);
    expect(everything.filter((x) => x.app === null).length).toBe(2);
    const seenByCard = await list(cardReader);
    expect(seenByCard).toEqual(everything.filter((x) => x.app !== 'default'));
    expect(seenByCard.length).toBe(everything.length - 1);
  });
});
