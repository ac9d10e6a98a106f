import { requireScope, serviceApp } from '../authorization';
import { builder } from '../builder';
import { mapThrown, toRequestError } from '../domain-error.mapper';
import { LivenessTypeEnum, VerificationProtocolEnum } from '../enums';
import { badUserInput, forbidden, rateLimited, unauthenticated } from '../errors';
import { ConsentInput } from '../types/privacy.type';
import { VerificationRef } from '../types/verification.type';

const StartVerificationInput = builder.inputType('StartVerificationInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    idCardNumber: t.string({ required: true }),
    protocol: t.field({
      type: VerificationProtocolEnum,
      description: "Default: the app's first approved protocol that WECHAT_FACE_PROTOCOLS enables",
    }),
    livenessType: t.field({
      type: LivenessTypeEnum,
      description: 'Legacy only; default SCREEN_FLASH_OR_READ_DIGITS',
    }),
    openid: t.string({ description: 'Services only: the user to verify. Users always verify themselves.' }),
    app: t.string({
      description:
        "Services only: the app (mini program) the openid belongs to; default the key's only app, else `default`. Users start in the app they signed in to.",
    }),
    clientReferenceId: t.string({
      description: "The business's own reference (up to 128 characters), returned as given",
    }),
    consent: t.field({
      type: ConsentInput,
      description:
        'Users: the consent text they accepted (required; a missing or outdated version is BAD_USER_INPUT, rule CONSENT_REQUIRED, with extensions.currentVersion). Services give none: the user accepts on the device (acceptConsent).',
    }),
  }),
});

builder.mutationField('startVerification', (t) =>
  t.field({
    type: VerificationRef,
    description:
      'A signed-in user starts their own verification, or a service with verifications:write one for an openid.',
    args: { input: t.arg({ type: StartVerificationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { viewer, services } = ctx;
      let openid: string;
      let initiator: string;
      let app: string;
      if (viewer.kind === 'anonymous') throw unauthenticated(viewer.rejected);
      if (viewer.kind === 'user') {
        if (input.openid != null) {
          throw forbidden('input.openid is for services; a signed-in user always verifies themselves');
        }
        if (input.app != null)
          throw forbidden('input.app is for services; a user starts in the app they signed in to');
        openid = viewer.openid;
        initiator = 'user';
        app = viewer.app;
      } else {
        requireScope(viewer, 'verifications:write');
        if (input.openid == null || input.openid.trim() === '') {
          throw badUserInput('openid', 'REQUIRED', 'a service must name the user to verify (input.openid)');
        }
        // its format is the domain's rule (checkOpenid, in StartVerification)
        openid = input.openid;
        initiator = viewer.keyId;
        app = serviceApp(viewer, input.app);
      }
      const enabled = services.config.faceProtocols;
      const protocol =
        input.protocol ?? services.apps.get(app)?.protocols.find((p) => enabled.includes(p)) ?? enabled[0]!;
      if (!services.config.faceProtocols.includes(protocol)) {
        throw badUserInput('protocol', 'PROTOCOL_NOT_ENABLED', `${protocol} is not enabled on this gateway`, {
          enabled: services.config.faceProtocols,
        });
      }
      if (input.clientReferenceId != null && input.clientReferenceId.length > 128) {
        throw badUserInput(
          'clientReferenceId',
          'TOO_LONG',
          'clientReferenceId must be at most 128 characters',
        );
      }
      // a cheap bound before the domain's own validation, so huge inputs never reach it
      if (input.name.length > 64) throw badUserInput('name', 'NAME_TOO_LONG', 'name is too long');
      if (input.idCardNumber.length > 32)
        throw badUserInput('idCardNumber', 'ID_LENGTH', 'idCardNumber is too long');
      // Users only: a service's starts are never counted against, nor refused by, what users fill
      // (a backend may share its address with users, or sit behind the same proxy).
      if (viewer.kind === 'user') {
        const wait = await services.rateLimits.startVerificationAddress(ctx.clientAddress);
        if (wait > 0) throw rateLimited(wait);
      }

      const result = await mapThrown(() =>
        services.startVerification.execute({
          app,
          openid,
          name: input.name,
          idCardNumber: input.idCardNumber,
          protocol,
          livenessType: input.livenessType ?? null,
          clientReferenceId: input.clientReferenceId ?? null,
          initiator,
          clientAddress: ctx.clientAddress,
          consent: input.consent ?? null,
        }),
      );
      if (!result.ok) throw toRequestError(result.error);
      ctx.startedByCaller.add(result.value);
      if (viewer.kind === 'user') {
        ctx.echoedIdentity.set(result.value, { name: input.name, idCardNumber: input.idCardNumber });
      }
      return result.value;
    },
  }),
);
