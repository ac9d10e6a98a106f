import {
  CONSENT_KINDS,
  type ConsentTextRepository,
  DEFAULT_CONSENT_TEXTS,
  type PublishConsentText,
} from '@facegate/domain';

/**
 * Publishes FaceGate's default consent texts for each kind that has none, so a new deployment can verify at
 * once; the operator publishes their own (facegate consent publish), which then becomes current. Returns the
 * kinds whose current text is still a default, for the production start-up warning.
 */
export async function ensureConsentTexts(
  texts: ConsentTextRepository,
  publish: PublishConsentText,
): Promise<string[]> {
  const stillDefault: string[] = [];
  for (const kind of CONSENT_KINDS) {
    const fallback = DEFAULT_CONSENT_TEXTS.find((t) => (t.kind ?? 'STANDARD') === kind)!;
    let current = await texts.current(kind);
    if (current === null) {
      const published = await publish.execute(fallback);
      if (!published.ok) throw published.error;
      current = published.value.text;
    }
    if (current.version === fallback.version) stillDefault.push(kind);
  }
  return stillDefault;
}
