/**
 * Deterministic guardrails over a diff, run before the reviewer and again before publishing.
 * Default deny: path rules from rules.ts and `.loopwright.yml`, size limits, secrets in added
 * lines, tests deleted/skipped/emptied, dependency changes, and changes the checks cannot inspect.
 */
import type { TargetSettings } from '../../config/target.ts';
import { findSecrets } from '../../core/redact.ts';
import { binaryHint, undoHint } from './fixes.ts';
import { matchesAny, pathDenied } from './paths.ts';
import { parseDiff } from './parse.ts';
import {
  MIN_SECRET_ENTROPY,
  SECRET_ASSIGNMENT,
  TEST_DECLARATION,
  TEST_GLOBS,
  TEST_SKIP_PATTERNS,
} from './rules.ts';

export interface GuardrailFinding {
  rule: string;
  path?: string;
  message: string;
}

export interface GuardrailReport {
  ok: boolean;
  findings: GuardrailFinding[];
}

export interface CheckDiffOptions {
  /** Extra globs to protect beyond the settings (e.g. from the worker's own config). */
  protected?: string[];
  /** Globs that count as test files, replacing the defaults. */
  testGlobs?: string[];
  /**
   * The one file Loopwright itself adds: the proof as a Playwright test (`.loopwright.yml`
   * `proofTests`). Added at exactly this path, it is exempt from the path rules and the size
   * limits; the secret and skipped-test rules still read it.
   */
  proofTest?: string;
}

type Settings = Pick<
  TargetSettings,
  'protected' | 'allowDependencyChanges' | 'maxFilesChanged' | 'maxLinesChanged'
>;

const DEPENDENCY_LINE =
  /^\s*"(?!version"|name"|description"|main"|type"|private"|license")(@?[\w./-]+)"\s*:\s*"(?:[~^<>=*]|\d|workspace:|npm:|file:|link:|git|https?:|latest)/;
const DEPENDENCY_BLOCK =
  /"(?:dependencies|devDependencies|peerDependencies|optionalDependencies|overrides|resolutions)"\s*:/;

export function checkDiff(diff: string, settings: Settings, opts: CheckDiffOptions = {}): GuardrailReport {
  const findings: GuardrailFinding[] = [];
  const all = parseDiff(diff);
  const isProofTest = (f: (typeof all)[number]) => f.path === opts.proofTest && f.status === 'added';
  const files = all.filter((f) => !isProofTest(f));
  const pathSettings = { ...settings, protected: [...settings.protected, ...(opts.protected ?? [])] };
  const testGlobs = opts.testGlobs ?? TEST_GLOBS;

  if (files.length > settings.maxFilesChanged) {
    findings.push({
      rule: 'max-files',
      message: `${files.length} files changed; the limit is ${settings.maxFilesChanged}. Keep the change focused.`,
    });
  }
  const lines = files.reduce((n, f) => n + f.added.length + f.removed.length, 0);
  if (lines > settings.maxLinesChanged) {
    findings.push({
      rule: 'max-lines',
      message: `${lines} lines changed; the limit is ${settings.maxLinesChanged}. Keep the change focused.`,
    });
  }

  for (const f of all) {
    for (const p of isProofTest(f) ? [] : new Set([f.path, ...(f.oldPath ? [f.oldPath] : [])])) {
      const denied = pathDenied(p, pathSettings);
      if (denied)
        findings.push({ rule: denied.rule, path: p, message: `${denied.message}. To fix: ${undoHint(f)}.` });
    }
    if (f.binary)
      findings.push({
        rule: 'uninspectable',
        path: f.path,
        message: `${f.path} is a binary change the guardrails cannot inspect. ${binaryHint(f)}`,
      });
    if (f.mode === '120000') {
      const message = `${f.path} became a symlink; make it a regular file (run_command \`rm\` it, then write_file)`;
      findings.push({ rule: 'uninspectable', path: f.path, message });
    }
    if (f.mode === '160000') {
      const message = `${f.path} is a nested git repository (a gitlink); add its files instead`;
      findings.push({ rule: 'git-internals', path: f.path, message });
    }

    const addedText = f.added.map((a) => a.text).join('\n');
    const secrets = findSecrets(addedText);
    if (secrets.length)
      findings.push({
        rule: 'secret',
        path: f.path,
        message: `added lines in ${f.path} contain what looks like a secret (${secrets.join(', ')}); remove it and read it from the environment instead`,
      });
    for (const a of f.added) {
      const m = SECRET_ASSIGNMENT.exec(a.text);
      if (
        m &&
        entropy(m[1]!) >= MIN_SECRET_ENTROPY &&
        !/process\.env|import\.meta\.env|getenv/.test(a.text)
      ) {
        findings.push({
          rule: 'secret',
          path: f.path,
          message: `${f.path}:${a.line} assigns a high-entropy value to a secret-sounding name; read secrets from the environment instead`,
        });
      }
    }

    if (matchesAny(f.path, testGlobs) || (f.oldPath && matchesAny(f.oldPath, testGlobs))) {
      if (f.status === 'deleted')
        findings.push({
          rule: 'test-deleted',
          path: f.path,
          message: `test file ${f.path} is deleted; ${undoHint(f)}`,
        });
      for (const a of f.added) {
        const skip = TEST_SKIP_PATTERNS.find((s) => s.re.test(a.text));
        if (skip)
          findings.push({
            rule: 'test-skipped',
            path: f.path,
            message: `${f.path}:${a.line} ${skip.what}; take the skip out`,
          });
      }
      const removed = count(f.removed.join('\n'), TEST_DECLARATION);
      const added = count(addedText, TEST_DECLARATION);
      if (f.status !== 'deleted' && removed > added) {
        findings.push({
          rule: 'test-removed',
          path: f.path,
          message: `${removed - added} test(s) removed from ${f.path}; put them back (change a test only as the request needs)`,
        });
      }
    }

    if (!settings.allowDependencyChanges && /(?:^|\/)package\.json$/.test(f.path)) {
      const changed = [...f.added.map((a) => a.text), ...f.removed].some(
        (l) => DEPENDENCY_LINE.test(l) || DEPENDENCY_BLOCK.test(l),
      );
      if (changed)
        findings.push({
          rule: 'dependencies',
          path: f.path,
          message: `${f.path} changes dependencies; allowDependencyChanges is off for this repository: undo the dependency change and use what is installed`,
        });
    }
  }
  return { ok: findings.length === 0, findings };
}

/** Findings as one line each, for events and for the coder's feedback. */
export const describeFindings = (findings: GuardrailFinding[]): string[] =>
  findings.map((f) => `[${f.rule}] ${f.message}`);

function count(text: string, re: RegExp): number {
  re.lastIndex = 0;
  return [...text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'))].length;
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const freq = new Map<string, number>();
  for (const ch of s) freq.set(ch, (freq.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of freq.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}
