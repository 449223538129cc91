/**
 * Redaction of secret-looking strings before text leaves the worker: tool responses, transcripts,
 * evidence, logs, PR bodies. Known secret values (the worker's own tokens) are replaced exactly;
 * well-known token shapes are replaced by pattern.
 */

const PATTERNS: { name: string; re: RegExp }[] = [
  { name: 'aws-access-key', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { name: 'github-token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b/g },
  { name: 'slack-token', re: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g },
  { name: 'slack-app-token', re: /\bxapp-[A-Za-z0-9-]{10,}\b/g },
  { name: 'openai-key', re: /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}\b/g },
  { name: 'private-key', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g },
];

export const SECRET_PATTERNS = PATTERNS;

/** Secret values known to this process (tokens from config); registered once at start-up. */
const knownSecrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 8) knownSecrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of knownSecrets) out = out.split(secret).join('[redacted]');
  for (const { re } of PATTERNS) out = out.replace(re, '[redacted]');
  return out;
}

/** Names of the patterns found in text (for guardrail findings), without the values. */
export function findSecrets(text: string): string[] {
  const found = new Set<string>();
  for (const secret of knownSecrets) if (text.includes(secret)) found.add('worker-secret');
  for (const { name, re } of PATTERNS) {
    re.lastIndex = 0;
    if (re.test(text)) found.add(name);
    re.lastIndex = 0;
  }
  return [...found];
}
