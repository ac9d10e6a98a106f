import { DEFAULT_CONSENT_TEXTS } from '@facegate/domain';
/*
 * What GraphiQL opens with (development only: production serves no GraphiQL): what FaceGate's API is for,
 * and the sign-in walkthrough in the first tab, then starting and confirming a verification in the next two.
 * In sandbox mode the sandbox's address is filled in, so each step can be run as shown.
 */

export interface GraphiQLWelcome {
  readonly defaultQuery: string;
  readonly defaultTabs: { query: string; variables?: string; headers?: string }[];
}

export function graphiqlWelcome(sandboxUrl: string | null): GraphiQLWelcome {
  const sandbox = sandboxUrl ?? 'http://127.0.0.1:4001';
  const signIn = `# FaceGate: WeChat face verification (人脸核身) for your mini program's users.
#
# The mini program signs its user in, starts a verification with a name and a resident ID number, runs
# WeChat's face check on the phone, and asks FaceGate to confirm it: FaceGate checks the result with WeChat's
# server API, binds it to that user and identity, and records it. Business services (API keys) then ask
# identityStatus(openid) "is this user verified?". Names and ID numbers are never stored in clear.
#
# Walkthrough, step 1 of 3: sign in (these three tabs; the README's curl walkthrough does the same).
# ${sandboxUrl === null ? 'Without the sandbox (WeChat credentials set), the code comes from wx.login in the mini program.' : 'Sandbox mode: the sandbox plays the phone. Get a one-time wx.login code:'}
#   curl -sS ${sandbox}/sandbox/device/login -H 'content-type: application/json' -d '{"openid":"o_graphiql"}'
# Put its "code" into Variables below and run signIn (the play button). Copy the "token" it answers into
# Headers as {"authorization": "Bearer <token>"}, then open the next tab.
mutation SignIn($code: String!) {
  signIn(code: $code) {
    token
    expiresAt
  }
}
`;
  const start = `# Step 2 of 3: start a verification (Headers: {"authorization": "Bearer <token from step 1>"}).
# The name and ID number below are the sandbox's identity that passes. The answer's verifyId is what the
# mini program hands to wx.requestFacialVerify; in sandbox mode the phone's face check is:
#   curl -sS ${sandbox}/sandbox/device/v2-check -H 'content-type: application/json' \\
#     -d '{"openid":"o_graphiql","verifyId":"<verifyId>"}'
mutation Start($input: StartVerificationInput!) {
  startVerification(input: $input) {
    id
    status
    maskedName
    clientParams {
      ... on V2ClientParams {
        verifyId
      }
    }
  }
}
`;
  const confirm = `# Step 3 of 3: confirm it. FaceGate asks WeChat for the result of the face check and records it.
mutation Confirm($id: ID!) {
  confirmVerification(input: { id: $id }) {
    id
    status
    verifiedAt
    lastError {
      code
      message
    }
  }
}
`;
  return {
    defaultQuery: signIn,
    defaultTabs: [
      { query: signIn, variables: JSON.stringify({ code: 'paste the code here' }, null, 2) },
      {
        query: start,
        variables: JSON.stringify(
          {
            input: {
              name: '核身通过',
              idCardNumber: '110102198001010017',
              protocol: 'V2',
              // a user's start names the consent text they accepted (the default a new gateway publishes)
              consent: { version: DEFAULT_CONSENT_TEXTS[0]!.version },
            },
          },
          null,
          2,
        ),
        headers: JSON.stringify({ authorization: 'Bearer <token from step 1>' }, null, 2),
      },
      {
        query: confirm,
        variables: JSON.stringify({ id: '<id from step 2>' }, null, 2),
        headers: JSON.stringify({ authorization: 'Bearer <token from step 1>' }, null, 2),
      },
    ],
  };
}
