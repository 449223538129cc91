/**
 * `loopwright doctor [--fix]`: one line per check with its verdict and, when it fails, the fix.
 * Required: Node 24, Chromium, ffmpeg where Playwright's recorder finds it, git ≥ 2.30, bwrap (unless
 * LOOPWRIGHT_SANDBOX=none), the database, and for a Python target its interpreter. Optional, reported "off" when not configured: the model,
 * Slack and GitHub. `--fix` installs what it can; elsewhere it prints the exact commands.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  ensureFfmpegLink,
  ffmpegRevision,
  playwrightBrowsersPath,
  resolveChromium,
} from '../browser/chromium.ts';
import { integrations } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { checkIsolation } from '../sandbox/index.ts';
import type { CheckResult, Verdict } from './check-result.ts';
import { checkTargetPython } from './doctor-python.ts';
import { checkProof } from './doctor-proof.ts';
import { checkTargets } from './doctor-targets.ts';

const run = promisify(execFile);

const APT_PACKAGES: Record<string, string> = {
  chromium: 'chromium',
  ffmpeg: 'ffmpeg',
  bwrap: 'bubblewrap',
  python: 'python3 python3-venv',
};

async function version(cmd: string, args = ['--version']): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: 15_000 });
    return (stdout || stderr).split('\n')[0]?.trim();
  } catch {
    return undefined;
  }
}

async function checkChromium(config: Config): Promise<CheckResult> {
  try {
    const chromium = resolveChromium(config);
    const v = await version(chromium.executablePath);
    return {
      name: 'chromium',
      verdict: 'ok',
      detail: `${v ?? 'found'} (${chromium.source}: ${chromium.executablePath})`,
      required: true,
    };
  } catch (error) {
    return {
      name: 'chromium',
      verdict: 'fail',
      detail: (error as Error).message,
      fix: 'apt-get install -y chromium',
      required: true,
    };
  }
}

function checkFfmpeg(): CheckResult {
  let where = '';
  try {
    where = path.join(playwrightBrowsersPath(), `ffmpeg-${ffmpegRevision()}`, 'ffmpeg-linux');
  } catch (error) {
    return { name: 'ffmpeg', verdict: 'fail', detail: (error as Error).message, required: true };
  }
  if (existsSync(where))
    return {
      name: 'ffmpeg',
      verdict: 'ok',
      detail: `Playwright's recorder finds ffmpeg at ${where}`,
      required: true,
    };
  const system = existsSync('/usr/bin/ffmpeg');
  return {
    name: 'ffmpeg',
    verdict: 'fail',
    detail: system ? `/usr/bin/ffmpeg is installed but not linked at ${where}` : 'ffmpeg is not installed',
    fix: system
      ? `loopwright doctor --fix (links it), or: ln -s /usr/bin/ffmpeg ${where}`
      : 'apt-get install -y ffmpeg, then loopwright doctor --fix',
    required: true,
  };
}

async function checkGit(): Promise<CheckResult> {
  const v = await version('git');
  const m = v?.match(/(\d+)\.(\d+)/);
  if (!m)
    return {
      name: 'git',
      verdict: 'fail',
      detail: 'git not found',
      fix: 'apt-get install -y git',
      required: true,
    };
  const ok = Number(m[1]) > 2 || (Number(m[1]) === 2 && Number(m[2]) >= 30);
  return {
    name: 'git',
    verdict: ok ? 'ok' : 'fail',
    detail: v!,
    fix: ok ? undefined : 'install git ≥ 2.30 (worktree features)',
    required: true,
  };
}

async function checkBwrap(config: Config): Promise<CheckResult> {
  if (config.sandbox === 'none') {
    return {
      name: 'bwrap',
      verdict: 'warn',
      detail: 'LOOPWRIGHT_SANDBOX=none: tickets run WITHOUT isolation',
      fix: 'unset LOOPWRIGHT_SANDBOX and install bubblewrap',
      required: false,
    };
  }
  const v = await version('bwrap');
  if (!v)
    return {
      name: 'bwrap',
      verdict: 'fail',
      detail: 'bubblewrap not found: sandboxes cannot be isolated',
      fix: 'apt-get install -y bubblewrap (or set LOOPWRIGHT_SANDBOX=none to run without isolation)',
      required: true,
    };
  // The sandbox's own probe: a network namespace with bwrap inside, and the cgroup limits.
  const probe = await checkIsolation();
  return {
    name: 'bwrap',
    verdict: probe.ok ? 'ok' : 'fail',
    detail: `${v}; ${probe.detail}`,
    fix: probe.ok
      ? undefined
      : 'run the worker as root with iproute2 and util-linux (nsenter) installed, or set LOOPWRIGHT_SANDBOX=none to run without isolation',
    required: true,
  };
}

async function checkDatabase(config: Config): Promise<CheckResult> {
  if (config.databaseUrl) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ v: string }>('show server_version');
      return {
        name: 'database',
        verdict: 'ok',
        detail: `Postgres ${rows[0]?.v} at ${redactUrl(config.databaseUrl)}`,
        required: true,
      };
    } catch (error) {
      return {
        name: 'database',
        verdict: 'fail',
        detail: `cannot connect to ${redactUrl(config.databaseUrl)}: ${(error as Error).message}`,
        fix: 'start the server or fix DATABASE_URL (unset it to use the embedded PGlite)',
        required: true,
      };
    } finally {
      await client.end().catch(() => {});
    }
  }
  try {
    mkdirSync(config.home, { recursive: true });
    accessSync(config.home, constants.W_OK);
    await import('@electric-sql/pglite');
    return {
      name: 'database',
      verdict: 'ok',
      detail: `embedded PGlite under ${path.join(config.home, 'db')}`,
      required: true,
    };
  } catch (error) {
    return {
      name: 'database',
      verdict: 'fail',
      detail: `${config.home} is not writable: ${(error as Error).message}`,
      fix: 'set LOOPWRIGHT_HOME to a writable directory',
      required: true,
    };
  }
}

async function probe(url: string, headers: Record<string, string>): Promise<string> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(4000) });
    return res.ok ? 'reachable' : `answered HTTP ${res.status}`;
  } catch (error) {
    return `unreachable (${(error as Error).message})`;
  }
}

async function checkIntegrations(config: Config): Promise<CheckResult[]> {
  const on = integrations(config);
  const out: CheckResult[] = [];
  if (on.model === 'off') {
    out.push({
      name: 'model',
      verdict: 'off',
      detail: 'no OPENAI_API_KEY / OPENAI_BASE_URL: `demo` uses the scripted replay model',
      required: false,
    });
  } else {
    const base = (config.openaiBaseUrl ?? 'https://api.openai.com/v1').replace(/\/$/, '');
    const state = await probe(
      `${base}/models`,
      config.openaiApiKey ? { authorization: `Bearer ${config.openaiApiKey}` } : {},
    );
    out.push({
      name: 'model',
      verdict: state === 'reachable' ? 'ok' : 'warn',
      detail: `${config.model} at ${base}: ${state}`,
      fix: state === 'reachable' ? undefined : 'check OPENAI_BASE_URL and OPENAI_API_KEY',
      required: false,
    });
  }
  if (on.slack === 'off') {
    out.push({
      name: 'slack',
      verdict: 'off',
      detail:
        'no SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET or SLACK_APP_TOKEN: requests come from the CLI and the queue page',
      required: false,
    });
  } else {
    out.push({
      name: 'slack',
      verdict: 'ok',
      detail: `${config.slackAppToken ? 'Socket Mode' : 'HTTP mode at /slack/events'}; trigger :${config.triggerEmoji}:`,
      required: false,
    });
  }
  if (on.github === 'off') {
    out.push({
      name: 'github',
      verdict: 'off',
      detail: 'no GITHUB_TOKEN + LOOPWRIGHT_GITHUB_REPO: pull requests go to the local forge',
      required: false,
    });
  } else {
    const state = await probe(
      `${config.githubApiUrl.replace(/\/$/, '')}/repos/${config.githubRepo}`,
      config.githubToken ? { authorization: `Bearer ${config.githubToken}` } : {},
    );
    out.push({
      name: 'github',
      verdict: state === 'reachable' ? 'ok' : 'warn',
      detail: `${config.githubRepo} via ${config.githubApiUrl}: ${state}`,
      required: false,
    });
  }
  out.push(checkEvidenceStore(config, on.github === 'on'));
  return out;
}

/** Where PR readers open evidence: an S3-compatible bucket, GitHub's evidence branch, or this server. */
function checkEvidenceStore(config: Config, github: boolean): CheckResult {
  if (config.evidenceS3Bucket) {
    const where = config.evidenceS3Endpoint ?? `S3 (${config.evidenceS3Region})`;
    const creds = process.env.AWS_ACCESS_KEY_ID
      ? 'AWS_ACCESS_KEY_ID set'
      : 'credentials from the AWS profile or role';
    const links = config.evidencePublicUrl
      ? `public URL ${config.evidencePublicUrl}`
      : 'presigned links (7 days)';
    return {
      name: 'evidence',
      verdict: 'ok',
      detail: `bucket ${config.evidenceS3Bucket} at ${where}; ${links}; ${creds}`,
      required: false,
    };
  }
  const detail = github
    ? 'pushed to the loopwright-evidence branch of the GitHub repository'
    : 'served by this server under /evidence (set LOOPWRIGHT_PUBLIC_URL so links work off this machine)';
  return {
    name: 'evidence',
    verdict: 'off',
    detail: `no LOOPWRIGHT_EVIDENCE_S3_BUCKET: ${detail}`,
    required: false,
  };
}

function checkNode(): CheckResult {
  const major = Number(process.versions.node.split('.')[0]);
  return {
    name: 'node',
    verdict: major >= 24 ? 'ok' : 'fail',
    detail: `Node ${process.versions.node}`,
    fix: "run through npm (npx loopwright …), which uses the project's Node 24",
    required: true,
  };
}

export async function runChecks(config: Config): Promise<CheckResult[]> {
  const [chromium, git, bwrap, db, rest, python] = await Promise.all([
    checkChromium(config),
    checkGit(),
    checkBwrap(config),
    checkDatabase(config),
    checkIntegrations(config),
    checkTargetPython(config),
  ]);
  // After the parts: the whole of what a worker checks at start (doctor-proof.ts).
  const proof = await checkProof(config);
  const targets = await checkTargets(config);
  return [
    checkNode(),
    chromium,
    checkFfmpeg(),
    git,
    bwrap,
    db,
    ...(python ? [python] : []),
    proof,
    ...targets,
    ...rest,
  ];
}

/** What `--fix` can do: apt packages as root on Debian/Ubuntu, and the ffmpeg link. */
async function fix(results: CheckResult[], print: (line: string) => void): Promise<void> {
  const packages = results
    .filter((r) => r.verdict === 'fail' && APT_PACKAGES[r.name])
    .map((r) => APT_PACKAGES[r.name]!);
  if (packages.length) {
    const cmd = `apt-get update && apt-get install -y ${packages.join(' ')}`;
    if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
      print(`fixing: ${cmd}`);
      await run('sh', ['-c', `DEBIAN_FRONTEND=noninteractive ${cmd}`], {
        timeout: 15 * 60_000,
        maxBuffer: 64 << 20,
      });
    } else {
      print(`to fix, run as root: ${cmd}`);
    }
  }
  const link = ensureFfmpegLink();
  if (link.state === 'linked') print(`fixed: ${link.detail}`);
  else if (!link.ok) print(`ffmpeg: ${link.detail}`);
}

const MARK: Record<Verdict, string> = { ok: '✓', warn: '!', fail: '✗', off: '–' };

export async function runDoctor(opts: {
  config: Config;
  fix?: boolean;
  quiet?: boolean;
  print?: (line: string) => void;
}): Promise<number> {
  const print = opts.print ?? ((line: string) => console.log(line));
  let results = await runChecks(opts.config);
  if (opts.fix && results.some((r) => r.verdict === 'fail')) {
    await fix(results, print);
    results = await runChecks(opts.config);
  }
  for (const r of results) {
    if (opts.quiet && (r.verdict === 'ok' || r.verdict === 'off')) continue;
    print(
      `${MARK[r.verdict]} ${r.name.padEnd(9)} ${r.verdict.padEnd(4)} ${r.detail}${r.fix && r.verdict !== 'ok' ? `\n    fix: ${r.fix}` : ''}`,
    );
  }
  const failed = results.filter((r) => r.required && r.verdict === 'fail');
  if (failed.length && !opts.quiet)
    print(`\n${failed.length} required check(s) failed: ${failed.map((r) => r.name).join(', ')}`);
  return failed.length ? 1 : 0;
}

function redactUrl(url: string): string {
  return url.replace(/:\/\/([^:@/]+):[^@/]+@/, '://$1:***@');
}
