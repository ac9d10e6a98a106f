import type { SandboxDevice, SandboxTestIdentityInfo } from '../../application/sandbox/sandbox-device';
import { requireUser } from '../authorization';
import { builder } from '../builder';

const SandboxAppRef = builder.objectRef<{ id: string; appId: string }>('SandboxApp').implement({
  description: 'An app a gateway in sandbox mode serves, and the appid its mini program runs as.',
  fields: (t) => ({ id: t.exposeString('id'), appId: t.exposeString('appId') }),
});

const GatewayInfoRef = builder.objectRef<{ sandbox: boolean }>('GatewayInfo').implement({
  description: 'What a client may know of this gateway before it signs in.',
  fields: (t) => ({
    sandboxApps: t.field({
      type: [SandboxAppRef],
      description:
        'Sandbox mode only (empty otherwise): the apps served, so a demo or DevTools can run as any of them',
      resolve: (info, _args, ctx) =>
        info.sandbox
          ? ctx.services.apps
              .list()
              .filter((a) => !a.disabled)
              .map(({ id, appId }) => ({ id, appId }))
          : [],
    }),
    sandbox: t.exposeBoolean('sandbox', {
      description:
        'True only in sandbox mode (no WeChat credentials: WeChat is the bundled sandbox); never in production. A mini program in WeChat DevTools then simulates the face step (see sandboxDevice).',
    }),
  }),
});

const SandboxTestIdentityRef = builder.objectRef<SandboxTestIdentityInfo>('SandboxTestIdentity').implement({
  description: 'A reserved test identity of the sandbox: its name makes a face check end in its scenario.',
  fields: (t) => ({
    scenario: t.exposeString('scenario', { description: 'e.g. pass, face_mismatch, user_cancel' }),
    name: t.exposeString('name'),
    idCardNumber: t.exposeString('idCardNumber'),
    note: t.exposeString('note', { description: 'What WeChat answers in this scenario' }),
  }),
});

const SandboxDeviceRef = builder
  .objectRef<SandboxDevice & { openid: string; appId: string | null }>('SandboxDevice')
  .implement({
    description:
      'Sandbox mode only: the sandbox’s device routes (the WeChat client’s side of a face check), used by a mini program in WeChat DevTools instead of the face APIs.',
    fields: (t) => ({
      url: t.exposeString('url', {
        description:
          'The sandbox’s address on this machine: POST {url}/sandbox/device/v2-check or legacy-check',
      }),
      openid: t.exposeString('openid', {
        description: 'The signed-in test user’s openid, which the device routes check against the session',
      }),
      appId: t.exposeString('appId', {
        nullable: true,
        description: 'The appid of the app the user signed in to: the device routes take it as appId',
      }),
      identities: t.field({ type: [SandboxTestIdentityRef], resolve: (d) => [...d.identities] }),
    }),
  });

builder.queryField('gatewayInfo', (t) =>
  t.field({
    type: GatewayInfoRef,
    description: 'Anyone. What a client may know of this gateway before it signs in.',
    resolve: (_root, _args, ctx) => ({ sandbox: ctx.services.sandboxDevice !== null }),
  }),
);

builder.queryField('sandboxDevice', (t) =>
  t.field({
    type: SandboxDeviceRef,
    nullable: true,
    description:
      'Signed-in mini program users, sandbox mode only: null outside sandbox mode (and always in production).',
    resolve: (_root, _args, ctx) => {
      const device = ctx.services.sandboxDevice;
      if (device === null) return null;
      const user = requireUser(ctx.viewer);
      return { ...device, openid: user.openid, appId: ctx.services.apps.get(user.app)?.appId ?? null };
    },
  }),
);
