/**
 * GitHub's CODEOWNERS: one `pattern owner…` per line, `#` comments (also after whitespace on a
 * line), patterns in gitignore syntax with GitHub's exceptions, and the last matching line wins
 * (a line with no owners leaves the paths it matches unowned). A line GitHub would refuse
 * (negation, character ranges, an owner that is not `@user`, `@org/team` or an email) is reported
 * and skipped, as GitHub skips it; the rest of the file still applies.
 */

export interface CodeownersRule {
  pattern: string;
  /** `@user`, `@org/team` or an email; empty: the matching paths have no owner. */
  owners: string[];
  /** 1-based line in the file. */
  line: number;
  matches(path: string): boolean;
}

export interface CodeownersProblem {
  /** Repo-relative path of the CODEOWNERS file. */
  file: string;
  line: number;
  text: string;
  reason: string;
}

export interface Codeowners {
  file: string;
  rules: CodeownersRule[];
  problems: CodeownersProblem[];
}

/** Where GitHub looks for the file, in the order it looks; the first one present is used. */
export const CODEOWNERS_LOCATIONS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

const USER_OR_TEAM = /^@[A-Za-z0-9](?:[A-Za-z0-9-]*)(?:\/[A-Za-z0-9._-]+)?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function parseCodeowners(text: string, file = 'CODEOWNERS'): Codeowners {
  const rules: CodeownersRule[] = [];
  const problems: CodeownersProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const tokens = tokenize(raw);
    if (!tokens.length) return;
    const [pattern, ...owners] = tokens as [string, ...string[]];
    const reason = patternProblem(pattern) ?? ownerProblem(owners);
    if (reason) {
      problems.push({ file, line: i + 1, text: raw.trim(), reason });
      return;
    }
    const re = compilePattern(pattern);
    rules.push({ pattern, owners, line: i + 1, matches: (p) => re.test(p) });
  });
  return { file, rules, problems };
}

/** The owners of `path` (repo-relative, forward slashes): the last matching rule's, or none. */
export function ownersOf(co: Codeowners, path: string): { owners: string[]; rule?: CodeownersRule } {
  for (let i = co.rules.length - 1; i >= 0; i--) {
    const rule = co.rules[i]!;
    if (rule.matches(path)) return { owners: rule.owners, rule };
  }
  return { owners: [] };
}

/** Splits a line into pattern and owners, dropping comments; `\#` and `\ ` stay in the pattern. */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      current += c + line[++i];
    } else if (c === '#' && current === '') {
      break;
    } else if (/\s/.test(c)) {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

function patternProblem(pattern: string): string | undefined {
  if (pattern.startsWith('!')) return 'negated patterns (!) are not supported in CODEOWNERS';
  if (/(^|[^\\])[[\]]/.test(pattern)) return 'character ranges ([...]) are not supported in CODEOWNERS';
  return undefined;
}

function ownerProblem(owners: string[]): string | undefined {
  const bad = owners.find((o) => !USER_OR_TEAM.test(o) && !EMAIL.test(o));
  return bad === undefined ? undefined : `owner "${bad}" is not a @user, an @org/team or an email address`;
}

/**
 * gitignore semantics as GitHub applies them: a pattern with a slash at its start or middle is
 * anchored at the root, otherwise it matches at any depth; a match on a directory covers
 * everything below it; but a `*` in the last segment matches within one directory only
 * (`docs/*` owns `docs/a.md`, not `docs/build/b.md`).
 */
export function compilePattern(pattern: string): RegExp {
  let p = pattern;
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  const last = p.slice(p.lastIndexOf('/') + 1);
  const singleStar = /(^|[^*])\*($|[^*])/.test(last);
  let re = '';
  for (let i = 0; i < p.length; i++) {
    if (p.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (p.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (p[i] === '*') {
      re += '[^/]*';
    } else if (p[i] === '?') {
      re += '[^/]';
    } else if (p[i] === '\\' && i + 1 < p.length) {
      re += escape(p[++i]!);
    } else {
      re += escape(p[i]!);
    }
  }
  const prefix = anchored ? '^' : '^(?:.*/)?';
  const suffix = dirOnly ? '/.*$' : singleStar ? '$' : '(?:/.*)?$';
  return new RegExp(prefix + re + suffix);
}

const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
