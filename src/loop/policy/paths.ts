/** Path rules applied to one path: used by the file tools (before writing) and by `checkDiff`. */
import picomatch from 'picomatch';
import type { TargetSettings } from '../../config/target.ts';
import { PATH_RULES } from './rules.ts';

export interface PathVerdict {
  rule: string;
  message: string;
}

const matcherCache = new Map<string, picomatch.Matcher>();
const matcher = (globs: string[]): picomatch.Matcher => {
  const key = globs.join('\0');
  let m = matcherCache.get(key);
  if (!m) matcherCache.set(key, (m = picomatch(globs, { dot: true })));
  return m;
};

export const matchesAny = (path: string, globs: string[]): boolean =>
  globs.length > 0 && matcher(globs)(path);

/** The first rule that forbids changing `relPath` (repo-relative, forward slashes), if any. */
export function pathDenied(
  relPath: string,
  settings: Pick<TargetSettings, 'protected' | 'allowDependencyChanges'>,
): PathVerdict | undefined {
  for (const rule of PATH_RULES) {
    if (rule.unless === 'allowDependencyChanges' && settings.allowDependencyChanges) continue;
    if (matchesAny(relPath, rule.globs)) return { rule: rule.id, message: `${relPath}: ${rule.message}` };
  }
  if (matchesAny(relPath, settings.protected)) {
    return {
      rule: 'protected',
      message: `${relPath} is protected by .loopwright.yml (protected: ${settings.protected.join(', ')})`,
    };
  }
  return undefined;
}
