/**
 * Secrets of the worker's environment are registered with the redactor before evidence is written,
 * even those config does not know about (a DATABASE_URL with a password, a cloud key): evidence is
 * published to PRs and must never carry them.
 */
import { registerSecret } from '../core/redact.ts';

const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE|CREDENTIAL|AUTH|DATABASE_URL|_KEY$)/i;

/** Registers the value of every secret-looking variable of `env`; returns how many. */
export function registerEnvSecrets(env: NodeJS.ProcessEnv = process.env): number {
  let n = 0;
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < 8 || !SECRET_NAME.test(name)) continue;
    registerSecret(value);
    // A URL's password alone may show up elsewhere (a connection error, a log line).
    try {
      const pw = new URL(value).password;
      if (pw) registerSecret(decodeURIComponent(pw));
    } catch {
      // not a URL
    }
    n += 1;
  }
  return n;
}
