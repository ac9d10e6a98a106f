/**
 * `facegate consent publish` and `facegate privacy redact|erase|report`: operator actions on personal data,
 * through the gateway's API with an API key (FACEGATE_API_KEY, never a flag: flags show in `ps`), so they
 * work the same on either database and against a remote gateway, and act with the key's scopes.
 */
import { readFile } from 'node:fs/promises';
import { EXIT_FAILURE, EXIT_USAGE, fail, out, UsageError } from './output';

export interface PrivacyCommandOptions {
  readonly positionals: readonly string[];
  readonly url: string | undefined;
  readonly file: string | undefined;
  readonly openid: string | undefined;
  /** The person's app (default: the key's only app, else `default`). */
  readonly app?: string | undefined;
}

const DEFAULT_URL = 'http://127.0.0.1:4000/graphql';

class ApiError extends Error {}

async function graphql<T>(
  url: string,
  apiKey: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-facegate-client': 'facegate-cli',
        authorization: `Bearer ${apiKey}`,
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new ApiError(
      `cannot reach the gateway at ${url} (${(error as Error).cause ?? (error as Error).message})`,
    );
  }
  const body = (await response.json().catch(() => null)) as {
    data?: T;
    errors?: { message: string; extensions?: { code?: string } }[];
  } | null;
  const problem = body?.errors?.[0];
  if (problem) throw new ApiError(`${problem.extensions?.code ?? 'ERROR'}: ${problem.message}`);
  if (!body?.data) throw new ApiError(`the gateway answered HTTP ${response.status} without data`);
  return body.data;
}

function apiKeyFrom(env: NodeJS.ProcessEnv, scope: string): string {
  const key = env.FACEGATE_API_KEY?.trim();
  if (!key) throw new UsageError(`set FACEGATE_API_KEY to an API key with the ${scope} scope`);
  return key;
}

const RECEIPT = 'id version textSha256 purpose guardian acceptedAt withdrawnAt';
const VERIFICATION = `id status protocol maskedName maskedIdCardNumber openid clientReferenceId attempts
  maxAttempts createdAt expiresAt verifiedAt cancelReason redactedAt lastError { code } consentReceipt { ${RECEIPT} }`;

async function consent(options: PrivacyCommandOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const [action] = options.positionals;
  if (action !== 'publish' || options.file === undefined) {
    throw new UsageError('usage: facegate consent publish --file TEXT.json [--app APP] [--url GATEWAY]');
  }
  let input: unknown;
  try {
    input = JSON.parse(await readFile(options.file, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `--file: cannot read JSON from ${options.file} (${(error as Error).message.split('\n')[0]})`,
    );
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new UsageError(
      `--file: ${options.file} must hold a JSON object {version, kind, purpose, textZh, textEn}`,
    );
  }
  // --app: the text is that app's own (it wins over an app in the file); without either, the deployment's
  const withApp = options.app === undefined ? input : { ...input, app: options.app };
  const data = await graphql<{
    publishConsentText: { version: string; kind: string; sha256: string; app: string | null };
  }>(
    options.url ?? DEFAULT_URL,
    apiKeyFrom(env, 'console:admin'),
    `mutation($input: PublishConsentTextInput!) { publishConsentText(input: $input) { version kind sha256 publishedAt app } }`,
    { input: withApp },
  );
  const t = data.publishConsentText;
  const scope = t.app === null ? 'for every app without its own' : `for app ${t.app}`;
  out(`consent text ${t.version} (${t.kind}) is current ${scope}; sha256 ${t.sha256}`);
  return 0;
}

async function privacy(options: PrivacyCommandOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const [action, id] = options.positionals;
  const url = options.url ?? DEFAULT_URL;
  switch (action) {
    case 'redact': {
      if (!id) throw new UsageError('usage: facegate privacy redact VERIFICATION_ID');
      const data = await graphql<{ redactVerification: { id: string; status: string; redactedAt: string } }>(
        url,
        apiKeyFrom(env, 'privacy:write'),
        'mutation($id: ID!) { redactVerification(id: $id) { id status redactedAt } }',
        { id },
      );
      const v = data.redactVerification;
      out(`redacted ${v.id} (${v.status}) at ${v.redactedAt}`);
      return 0;
    }
    case 'erase': {
      if (!options.openid) throw new UsageError('usage: facegate privacy erase --openid OPENID');
      const data = await graphql<{ eraseSubject: { redacted: number; verificationIds: string[] } }>(
        url,
        apiKeyFrom(env, 'privacy:write'),
        'mutation($openid: String!, $app: String) { eraseSubject(openid: $openid, app: $app) { redacted verificationIds } }',
        { openid: options.openid, app: options.app ?? null },
      );
      out(
        `erased: ${data.eraseSubject.redacted} verification(s) redacted; consent receipts kept as the law requires`,
      );
      for (const v of data.eraseSubject.verificationIds) out(`  ${v}`);
      return 0;
    }
    case 'report': {
      if (!options.openid) throw new UsageError('usage: facegate privacy report --openid OPENID');
      const data = await graphql<{ subjectReport: unknown }>(
        url,
        apiKeyFrom(env, 'privacy:read'),
        `query($openid: String!, $app: String) { subjectReport(openid: $openid, app: $app) { generatedAt
          verifications { ${VERIFICATION} }
          consentReceipts { ${RECEIPT} }
          webhookDeliveries { id eventType verificationId status attempts createdAt } } }`,
        { openid: options.openid, app: options.app ?? null },
      );
      out(JSON.stringify(data.subjectReport, null, 2));
      return 0;
    }
    default:
      throw new UsageError(
        'usage: facegate privacy redact ID | erase --openid OPENID | report --openid OPENID',
      );
  }
}

export async function privacyCommand(
  command: 'consent' | 'privacy',
  options: PrivacyCommandOptions,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  try {
    return command === 'consent' ? await consent(options, env) : await privacy(options, env);
  } catch (error) {
    if (error instanceof UsageError) {
      fail(error.message);
      return EXIT_USAGE;
    }
    if (error instanceof ApiError) {
      fail(error.message);
      return EXIT_FAILURE;
    }
    throw error;
  }
}
