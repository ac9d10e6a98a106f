/**
 * Consent, minors, the alternative to the face, redaction, erasure and a person's copy (docs/compliance.md).
 * Resolvers authorize, call one use case and map its result.
 */
import {
  auditTarget,
  CANCEL_REASONS,
  CONSENT_KINDS,
  type ConsentReceipt,
  type ConsentText,
  checkOpenid,
  DEFAULT_APP,
  inAppScope,
  isEntityId,
  type SubjectReport,
  unknownAppError,
  type VerificationAlternative,
} from '@facegate/domain';
import { auditRequest } from '../audit';
import {
  keySeesApp,
  loadSessionFor,
  requireAnyScope,
  requireScope,
  requireUser,
  serviceApp,
} from '../authorization';
import { builder } from '../builder';
import type { GatewayContext } from '../context';
import { DateTimeScalar } from '../date-time.scalar';
import { mapThrown, toRequestError, unwrap } from '../domain-error.mapper';
import { forbidden, notFound } from '../errors';
import { VerificationRef } from './verification.type';
import { WebhookDeliveryRef } from './webhook-delivery.type';

const ConsentKindEnum = builder.enumType('ConsentKind', {
  description: 'STANDARD: the holder consents. GUARDIAN: a guardian consents for a holder under 14.',
  values: CONSENT_KINDS,
});

const CancelReasonEnum = builder.enumType('CancelReason', {
  description:
    'Why a session was CANCELED: asked for, consent withdrawn, the other way to verify chosen, or erased on request.',
  values: CANCEL_REASONS,
});

const MinorsPolicyEnum = builder.enumType('MinorsPolicy', {
  description:
    'FACEGATE_MINORS: a holder under 14 is refused, or needs a guardian text accepted by a guardian.',
  values: { REFUSE: { value: 'refuse' }, GUARDIAN: { value: 'guardian' } } as const,
});

const AlternativeKindEnum = builder.enumType('AlternativeKind', {
  description: 'PAGE: a page of the mini program (wx.navigateTo). URL: an https web page.',
  values: ['PAGE', 'URL'] as const,
});

const ConsentTextRef = builder.objectRef<ConsentText>('ConsentText').implement({
  description: 'A published consent text. Never changes: a new text is a new version.',
  fields: (t) => ({
    version: t.exposeString('version'),
    kind: t.field({ type: ConsentKindEnum, resolve: (c) => c.kind }),
    purpose: t.exposeString('purpose'),
    textZh: t.exposeString('textZh'),
    textEn: t.exposeString('textEn', { nullable: true }),
    sha256: t.exposeString('sha256', { description: 'SHA-256 of the version, kind, purpose and both texts' }),
    publishedAt: t.field({ type: DateTimeScalar, resolve: (c) => c.publishedAt }),
    app: t.exposeString('app', {
      nullable: true,
      description:
        "The app whose text this is; null: the deployment's, shown in every app without a text of its own of this kind",
    }),
  }),
});

export const ConsentInput = builder.inputType('ConsentInput', {
  description: 'The consent text the user accepted on the device (its version, from consentText)',
  fields: (t) => ({ version: t.string({ required: true }) }),
});

export const ConsentReceiptRef = builder.objectRef<ConsentReceipt>('ConsentReceipt').implement({
  description: 'The server-side record that a person accepted a consent text, before any face check ran.',
  fields: (t) => ({
    id: t.exposeID('id'),
    version: t.exposeString('version'),
    textSha256: t.exposeString('textSha256'),
    purpose: t.exposeString('purpose'),
    guardian: t.exposeBoolean('guardian', { description: 'A guardian accepted for a holder under 14' }),
    acceptedAt: t.field({ type: DateTimeScalar, resolve: (r) => r.acceptedAt }),
    withdrawnAt: t.field({ type: DateTimeScalar, nullable: true, resolve: (r) => r.withdrawnAt }),
  }),
});

const AlternativeRef = builder.objectRef<VerificationAlternative>('VerificationAlternative').implement({
  description: 'The other way to verify, offered before the face check and after every failure.',
  fields: (t) => ({
    kind: t.field({ type: AlternativeKindEnum, resolve: (a) => a.kind }),
    target: t.exposeString('target', { description: 'A mini program page path, or an https URL' }),
    label: t.exposeString('label', { description: 'zh-CN, e.g. 使用其他方式验证' }),
  }),
});

interface VerificationOptionsShape {
  readonly alternative: VerificationAlternative | null;
  readonly contact: string | null;
  readonly minors: 'refuse' | 'guardian';
}

const VerificationOptionsRef = builder.objectRef<VerificationOptionsShape>('VerificationOptions').implement({
  description: 'What the mini program offers beside the face check. Public.',
  fields: (t) => ({
    alternative: t.field({ type: AlternativeRef, nullable: true, resolve: (o) => o.alternative }),
    contact: t.exposeString('contact', {
      nullable: true,
      description: 'Whom to contact when no alternative is configured (FACEGATE_ALTERNATIVE_CONTACT)',
    }),
    minors: t.field({ type: MinorsPolicyEnum, resolve: (o) => o.minors }),
  }),
});

builder.objectFields(VerificationRef, (t) => ({
  consentReceipt: t.field({
    type: ConsentReceiptRef,
    nullable: true,
    description: 'The consent that let the face check run; null until the user accepted',
    resolve: (s, _args, ctx) =>
      s.consentReceiptId === null ? null : ctx.services.privacy.receipts.findById(s.consentReceiptId),
  }),
  guardianRequired: t.exposeBoolean('guardianRequired', {
    description: 'The holder was under 14: only a guardian text accepted by a guardian will do',
  }),
  cancelReason: t.field({
    type: CancelReasonEnum,
    nullable: true,
    resolve: (s) => s.cancelReason,
  }),
  redactedAt: t.field({
    type: DateTimeScalar,
    nullable: true,
    description: 'When its personal fields were removed (retention, or on request); they are empty since',
    resolve: (s) => s.redactedAt,
  }),
}));

/**
 * The app whose text a consentText caller is shown: a signed-in user's own (whatever they name: the text they
 * must accept is their app's); before sign-in, the app named by slug or appid as signIn takes it (omitted:
 * `default`). Sandbox mode, like signIn, takes an appid it does not know (DevTools' tourist appid) as `default`.
 */
function consentAppOf(ctx: GatewayContext, named: string | null | undefined): string {
  if (ctx.viewer.kind === 'user') return ctx.viewer.app;
  if (named == null) return DEFAULT_APP;
  const app = named.length <= 64 ? ctx.services.apps.resolve(named) : null;
  if (app) return app.id;
  if (ctx.services.config.sandboxMode) return DEFAULT_APP;
  throw toRequestError(unknownAppError());
}

builder.queryField('consentText', (t) =>
  t.field({
    type: ConsentTextRef,
    nullable: true,
    description:
      "The current consent text of a kind for an app, to show before the face check: the app's own text of that kind, else the deployment's. Public.",
    args: {
      kind: t.arg({ type: ConsentKindEnum, defaultValue: 'STANDARD' }),
      app: t.arg.string({
        description:
          "Before sign-in, the mini program asking: its WeChat appid or FaceGate app id, as for signIn (omitted: `default`). A signed-in user always gets their own app's text; this is then ignored.",
      }),
    },
    resolve: (_root, { kind, app }, ctx) =>
      ctx.services.privacy.texts.current(kind ?? 'STANDARD', consentAppOf(ctx, app)),
  }),
);

builder.queryField('consentTexts', (t) =>
  t.field({
    type: [ConsentTextRef],
    description:
      "Every published consent text, the deployment's and each app's, newest first; a key limited to some apps sees the deployment's and theirs. console:read",
    resolve: async (_root, _args, ctx) => {
      const viewer = requireAnyScope(ctx.viewer, ['console:read', 'console:admin']);
      const texts = await ctx.services.privacy.texts.list();
      return texts.filter((text) => text.app === null || keySeesApp(viewer, text.app));
    },
  }),
);

builder.queryField('verificationOptions', (t) =>
  t.field({
    type: VerificationOptionsRef,
    description:
      "The alternative to the face and the minors policy. Public; a signed-in user gets their app's alternative where it has its own.",
    resolve: (_root, _args, ctx) => {
      const { privacy } = ctx.services.config;
      const app = ctx.viewer.kind === 'user' ? ctx.viewer.app : DEFAULT_APP;
      const own = ctx.services.apps.overridesOf(app).alternative;
      return own ? { ...privacy, alternative: own } : privacy;
    },
  }),
);

const PublishConsentTextInput = builder.inputType('PublishConsentTextInput', {
  fields: (t) => ({
    version: t.string({ required: true, description: '1-32 of [A-Za-z0-9._-]; never reused' }),
    kind: t.field({ type: ConsentKindEnum, description: 'Default STANDARD' }),
    purpose: t.string({ required: true }),
    textZh: t.string({ required: true }),
    textEn: t.string(),
    app: t.string({
      description:
        "The app (FaceGate app id) the text is for; omitted: the deployment's text, for every app without its own. A key limited to some apps must name one of them.",
    }),
  }),
});

builder.mutationField('publishConsentText', (t) =>
  t.field({
    type: ConsentTextRef,
    description:
      'Publishes a consent text; it becomes the current one of its kind, for its app if it names one, else for every app without a text of its own. The same version with the same content and app again is a no-op; other content or another app is CONFLICT (versions are unique across apps). console:admin',
    args: { input: t.arg({ type: PublishConsentTextInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = requireScope(ctx.viewer, 'console:admin');
      const app = input.app ?? null;
      // a key limited to some apps speaks for them only: never for the deployment's text every app shows
      if (viewer.apps !== null && (app === null || !inAppScope(viewer.apps, app))) {
        throw forbidden(
          app === null
            ? "this API key is limited to some apps: name one of them (the deployment's text is every app's)"
            : 'this API key is not for this app',
        );
      }
      const published = unwrap(
        await ctx.services.privacy.publish.execute({
          version: input.version,
          kind: input.kind ?? 'STANDARD',
          purpose: input.purpose,
          textZh: input.textZh,
          textEn: input.textEn ?? null,
          app,
        }),
      );
      auditRequest(ctx, 'consent.published', [], 'success', {
        version: published.text.version,
        kind: published.text.kind,
        app: published.text.app,
        sha256: published.text.sha256,
        new: published.published,
      });
      return published.text;
    },
  }),
);

/** The signed-in user's own session, by id (another user's is NOT_FOUND). */
function ownSessionId(
  ctx: GatewayContext,
  id: string | number,
): { sessionId: string; openid: string; app: string } {
  const viewer = requireUser(ctx.viewer);
  if (!isEntityId(String(id))) throw notFound();
  return { sessionId: String(id), openid: viewer.openid, app: viewer.app };
}

builder.mutationField('acceptConsent', (t) =>
  t.field({
    type: VerificationRef,
    description:
      'The user accepts the current consent text for a session a service started, before the face check. A missing or outdated version is BAD_USER_INPUT (rule CONSENT_REQUIRED, extensions.currentVersion).',
    args: { verificationId: t.arg.id({ required: true }), version: t.arg.string({ required: true }) },
    resolve: async (_root, { verificationId, version }, ctx) => {
      const own = ownSessionId(ctx, verificationId);
      const accepted = unwrap(
        await mapThrown(() =>
          ctx.services.privacy.accept.execute({ ...own, version, clientAddress: ctx.clientAddress }),
        ),
      );
      return accepted.session;
    },
  }),
);

builder.mutationField('withdrawConsent', (t) =>
  t.field({
    type: VerificationRef,
    description:
      'The user withdraws consent: an open session is CANCELED (CONSENT_WITHDRAWN); the receipt records the withdrawal.',
    args: { verificationId: t.arg.id({ required: true }) },
    resolve: async (_root, { verificationId }, ctx) =>
      unwrap(await mapThrown(() => ctx.services.privacy.withdraw.execute(ownSessionId(ctx, verificationId)))),
  }),
);

builder.mutationField('chooseAlternative', (t) =>
  t.field({
    type: VerificationRef,
    description:
      'The user chose the other way to verify instead of the face: an open session is CANCELED (ALTERNATIVE_CHOSEN).',
    args: { verificationId: t.arg.id({ required: true }) },
    resolve: async (_root, { verificationId }, ctx) =>
      unwrap(
        await mapThrown(() =>
          ctx.services.privacy.chooseAlternative.execute(ownSessionId(ctx, verificationId)),
        ),
      ),
  }),
);

builder.mutationField('redactVerification', (t) =>
  t.field({
    type: VerificationRef,
    description:
      'Removes the personal fields of one session now (an open one is canceled first) and sends verification.redacted. Idempotent. privacy:write, or console:admin (the console asks to confirm)',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      requireAnyScope(ctx.viewer, ['privacy:write', 'console:admin']);
      // a key limited to some apps redacts their sessions only; others are NOT_FOUND
      await loadSessionFor(ctx, String(id), ['privacy:write', 'console:admin']);
      const result = await mapThrown(() => ctx.services.privacy.redact.execute(String(id)));
      if (!result.ok) throw toRequestError(result.error);
      auditRequest(ctx, 'session.redacted', [auditTarget('session', String(id))], 'success', {
        changed: result.value.changed,
      });
      return result.value.session;
    },
  }),
);

const EraseSubjectResultRef = builder
  .objectRef<{ redacted: number; sessionIds: string[] }>('EraseSubjectResult')
  .implement({
    fields: (t) => ({
      redacted: t.exposeInt('redacted', { description: 'Sessions redacted by this call (0 when repeated)' }),
      verificationIds: t.exposeIDList('sessionIds'),
    }),
  });

/** The domain's openid rule (checkOpenid), as every use case applies it; its message never echoes the input. */
function checkedOpenid(openid: string): string {
  const invalid = checkOpenid(openid);
  if (invalid) throw toRequestError(invalid);
  return openid;
}

builder.mutationField('eraseSubject', (t) =>
  t.field({
    type: EraseSubjectResultRef,
    description:
      'Erases one person on request (PIPL art. 47): every session of the openid is redacted, an open one canceled first. Consent receipts stay, as the law requires. Idempotent. privacy:write',
    args: {
      openid: t.arg.string({ required: true }),
      app: t.arg.string({ description: "The person's app; default the key's only app, else `default`" }),
    },
    resolve: async (_root, { openid, app }, ctx) => {
      const viewer = requireAnyScope(ctx.viewer, ['privacy:write']);
      const inApp = serviceApp(viewer, app);
      const erased = await mapThrown(() => ctx.services.privacy.erase.execute(checkedOpenid(openid), inApp));
      // the person by the openid's HMAC, never the openid; the sessions by id
      auditRequest(
        ctx,
        'subject.erased',
        [
          auditTarget('openid-hmac', ctx.services.digests.hmacHex('openid', openid)),
          ...erased.sessionIds.map((id) => auditTarget('session', id)),
        ],
        'success',
        { redacted: erased.redacted },
      );
      return erased;
    },
  }),
);

const SubjectReportRef = builder.objectRef<SubjectReport>('SubjectReport').implement({
  description: 'Everything FaceGate holds about one person (PIPL art. 45): give them a copy.',
  fields: (t) => ({
    generatedAt: t.field({ type: DateTimeScalar, resolve: (r) => r.generatedAt }),
    verifications: t.field({ type: [VerificationRef], resolve: (r) => [...r.sessions] }),
    consentReceipts: t.field({ type: [ConsentReceiptRef], resolve: (r) => [...r.consentReceipts] }),
    webhookDeliveries: t.field({
      type: [WebhookDeliveryRef],
      description: 'Webhook deliveries about their sessions',
      resolve: (r) => [...r.webhookDeliveries],
    }),
  }),
});

builder.queryField('subjectReport', (t) =>
  t.field({
    type: SubjectReportRef,
    description: 'Everything held about one openid, for a request under PIPL art. 45. privacy:read',
    args: {
      openid: t.arg.string({ required: true }),
      app: t.arg.string({ description: "The person's app; default the key's only app, else `default`" }),
    },
    resolve: async (_root, { openid, app }, ctx) => {
      const viewer = requireAnyScope(ctx.viewer, ['privacy:read']);
      const report = await ctx.services.privacy.report.execute(
        checkedOpenid(openid),
        serviceApp(viewer, app),
      );
      auditRequest(
        ctx,
        'subject.report',
        [auditTarget('openid-hmac', ctx.services.digests.hmacHex('openid', openid))],
        'success',
        {
          sessions: report.sessions.length,
          receipts: report.consentReceipts.length,
        },
      );
      return report;
    },
  }),
);
