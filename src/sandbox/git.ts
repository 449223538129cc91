/**
 * The one way the worker runs git (DESIGN.md §5, STYLE.md 14). A sandbox's worktree — including
 * its `.git` pointer, `.gitattributes` and anything that looks like a repository — is written by
 * the agent, so git must never learn from it what to run:
 *
 * - the git dir is always named by the caller (`--git-dir`, a directory the sandbox never
 *   mounts); a worktree is only ever a `--work-tree`, never discovered through its `.git`;
 * - no system or global config (`GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_GLOBAL=/dev/null`), no system
 *   attributes, no user excludes file: only the trusted git dir's own config applies, and
 *   Loopwright writes that one; the one excludes file a call may name is Loopwright's own
 *   (generated.ts), written outside every sandbox mount;
 * - pinned on every call: hooks off (`core.hooksPath=/dev/null`), `core.fsmonitor=false`, no
 *   untracked cache, no pager, no credential helper, no signing, `protocol.ext.allow=never`;
 * - filters, textconv and external diff drivers need a `filter.*`/`diff.*` command in config to
 *   run; none is configured, and diffs pass `--no-ext-diff --no-textconv` besides;
 * - a minimal environment: none of the worker's tokens (credentials reach one push as `env`).
 */
import { spawn } from 'node:child_process';
import { CodedError, ErrorCode } from '../core/errors.ts';
import { redact } from '../core/redact.ts';

export interface GitRunOptions {
  /** The trusted git dir (bare mirror or a repo the worker created); passed as `--git-dir`. */
  gitDir?: string;
  /** A checkout to read or write files in; passed as `--work-tree`, never searched for a `.git`. */
  workTree?: string;
  /** A private index file (GIT_INDEX_FILE), so a snapshot never touches another index. */
  indexFile?: string;
  /** Working directory for commands on repos the worker owns (the local forge). */
  cwd?: string;
  /** Killed after this long; default 2 minutes. */
  timeoutMs?: number;
  /** Extra environment for this one command (credentials, identity). */
  env?: Record<string, string>;
  input?: string;
  /** Exit codes that are answers, not failures (e.g. 1 for `diff --quiet`). */
  okCodes?: number[];
  /** The code of the error thrown on failure (default sandbox_failed). */
  errorCode?: ErrorCode;
  /** Loopwright's exclude file (generated.ts `writeExcludes`) in place of the pinned /dev/null. */
  excludesFile?: string;
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The only variables a git child inherits; notably not GITHUB_TOKEN, SLACK_*, OPENAI_* or DATABASE_URL. */
const PASS_ENV = [
  'PATH',
  'HOME',
  'TMPDIR',
  'SSH_AUTH_SOCK',
  'GIT_SSH_COMMAND',
  // Reaching GitHub Enterprise from behind a proxy or with a private CA.
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'GIT_SSL_CAINFO',
];

/** Settings pinned on every call, whatever any config file says. */
export const PINNED_CONFIG: Record<string, string> = {
  'core.hooksPath': '/dev/null',
  'core.fsmonitor': 'false',
  'core.untrackedCache': 'false',
  'core.attributesFile': '/dev/null',
  'core.excludesFile': '/dev/null',
  'core.pager': 'cat',
  'core.askPass': 'true',
  'credential.helper': '',
  'commit.gpgSign': 'false',
  'tag.gpgSign': 'false',
  'protocol.ext.allow': 'never',
  'submodule.recurse': 'false',
};

/** Environment pinned on every call. */
export const PINNED_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_ATTR_NOSYSTEM: '1',
  GIT_NO_REPLACE_OBJECTS: '1',
  GIT_OPTIONAL_LOCKS: '0',
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: 'true',
  SSH_ASKPASS: 'true',
  GIT_PAGER: 'cat',
  // Plain, untranslated messages: the same git output on every worker.
  LANG: 'C',
  LC_ALL: 'C',
};

/** The argv git gets for `args` under `opts` (exported for tests and for `doctor`). */
export function gitArgv(args: string[], opts: GitRunOptions = {}): string[] {
  const config = { ...PINNED_CONFIG, ...(opts.excludesFile ? { 'core.excludesFile': opts.excludesFile } : {}) };
  const pinned = Object.entries(config).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const where = [
    ...(opts.gitDir ? [`--git-dir=${opts.gitDir}`] : []),
    ...(opts.workTree ? [`--work-tree=${opts.workTree}`] : []),
  ];
  return [...pinned, ...where, ...args];
}

function gitEnv(opts: GitRunOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASS_ENV) if (process.env[key] !== undefined) env[key] = process.env[key] as string;
  Object.assign(env, PINNED_ENV);
  if (opts.indexFile) env.GIT_INDEX_FILE = opts.indexFile;
  // Caller variables may add credentials and identity, never undo a pin.
  for (const [k, v] of Object.entries(opts.env ?? {})) if (!(k in PINNED_ENV)) env[k] = v;
  return env;
}

export function git(args: string[], opts: GitRunOptions = {}): Promise<GitResult> {
  const code = opts.errorCode ?? ErrorCode.SandboxFailed;
  return new Promise((resolve, reject) => {
    const child = spawn('git', gitArgv(args, opts), {
      cwd: opts.cwd ?? opts.workTree ?? opts.gitDir ?? '/',
      env: gitEnv(opts),
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 120_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (error) =>
      reject(new CodedError(code, `git could not start: ${error.message}`, { hint: 'install git' })),
    );
    child.on('close', (exit) => {
      const result = {
        code: exit ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: redact(Buffer.concat(err).toString('utf8')),
      };
      if (result.code === 0 || opts.okCodes?.includes(result.code)) return resolve(result);
      reject(
        new CodedError(code, `git ${args[0]} failed (exit ${result.code}): ${result.stderr.trim().slice(-800)}`, {
          retryable: code !== ErrorCode.GuardrailRejected,
        }),
      );
    });
    // A git that exits without reading its input must not crash the worker with EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.input);
  });
}

/** `git …` returning stdout, for the many plumbing calls that need nothing else. */
export async function gitOut(args: string[], opts: GitRunOptions = {}): Promise<string> {
  return (await git(args, opts)).stdout;
}
