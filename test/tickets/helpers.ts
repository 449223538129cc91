/**
 * Test ports for the pipeline: a Sandbox over a plain git clone (no isolation, no app; the real
 * sandbox has its own tests) and scripted loop runners. The store, queue, forge and git are real.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { readTargetSettings } from '../../src/config/target.ts';
import { attach, type Candidate } from '../../src/core/candidate.ts';
import { stamp, type ProofOutcomeKind, type TicketEvent } from '../../src/core/events.ts';
import { LocalForge } from '../../src/forge/local.ts';
import type { LoopOutcome } from '../../src/loop/index.ts';
import type { Sandbox, SandboxProvider } from '../../src/sandbox/types.ts';
import { openTickets, type Tickets } from '../../src/tickets/index.ts';
import type { LoopRunInput, LoopRunner } from '../../src/tickets/pipeline.ts';
import { dirSandboxParts, execIn } from '../helpers/dir-sandbox.ts';
import { git as sh } from '../helpers/git.ts';
import { dbTemplateEnv } from '../helpers/db-template.ts';

export function tempHome(prefix = 'lw-test-'): { home: string; cleanup(): void } {
  const home = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** A tiny target app's files (a directory, as sandbox/datadesk is). */
export function makeSourceDir(root: string): string {
  const dir = path.join(root, 'source');
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  mkdirSync(path.join(dir, 'node_modules', 'junk'), { recursive: true });
  writeFileSync(path.join(dir, 'node_modules', 'junk', 'x.js'), 'junk');
  writeFileSync(path.join(dir, 'src', 'legend.js'), 'export const hidden = new Set();\n');
  writeFileSync(
    path.join(dir, '.loopwright.yml'),
    'checks: ["test -f src/legend.js"]\nprotected: [".loopwright.yml"]\n',
  );
  return dir;
}

export function testConfig(home: string, over: Partial<Config> = {}): Config {
  return {
    ...configSchema.parse({ home, sandbox: 'none', dbTemplate: dbTemplateEnv().LOOPWRIGHT_DB_TEMPLATE }),
    ...over,
  };
}

/** The pipeline's world on one home: tickets on PGlite, the local forge on a fixture repo, test sandboxes. */
export async function openForgeWorld(
  home: string,
  config: Config,
): Promise<{ t: Tickets; forge: LocalForge; sandboxes: DirSandboxes }> {
  const t = await openTickets(config);
  const forge = new LocalForge({
    db: t.db,
    home,
    name: 'fixture',
    baseBranch: 'main',
    publicUrl: 'http://127.0.0.1:4700',
    author: { name: 'Loopwright', email: 'lw@example.com' },
    source: makeSourceDir(home),
  });
  await forge.ensureRepo();
  return { t, forge, sandboxes: new DirSandboxes(home, () => forge.cloneUrl()) };
}

/** Sandboxes as plain clones of the forge repo; counts acquires, teardowns and sweeps. */
export class DirSandboxes implements SandboxProvider {
  acquired: string[] = [];
  tornDown: { ticketId: string; keep?: boolean }[] = [];
  sweeps = 0;
  private readonly root: string;
  private readonly repo: () => string;
  constructor(root: string, repo: () => string) {
    this.root = root;
    this.repo = repo;
  }
  async acquire(req: {
    ticketId: string;
    branch: string;
    continueBranch?: boolean;
    signal?: AbortSignal;
  }): Promise<Sandbox> {
    req.signal?.throwIfAborted();
    const worktree = path.join(this.root, 'wt', `${req.ticketId}-${this.acquired.length}`);
    mkdirSync(path.dirname(worktree), { recursive: true });
    sh(this.root, 'clone', '-q', this.repo(), worktree);
    if (req.continueBranch) sh(worktree, 'checkout', '-q', '-b', req.branch, `origin/${req.branch}`);
    else sh(worktree, 'checkout', '-q', '-b', req.branch);
    const baseCommit = sh(worktree, 'rev-parse', 'HEAD').trim();
    const mainCommit = sh(worktree, 'rev-parse', 'origin/main').trim();
    this.acquired.push(req.ticketId);
    const scratchDir = `${worktree}.scratch`;
    mkdirSync(scratchDir, { recursive: true });
    const tornDown = this.tornDown;
    return {
      id: `dir-${req.ticketId}`,
      ticketId: req.ticketId,
      worktree,
      branch: req.branch,
      baseBranch: 'main',
      baseCommit: mainCommit,
      settings: readTargetSettings(worktree),
      isolated: false,
      app: {
        url: 'http://127.0.0.1:9',
        port: 9,
        logPath: '',
        restart: async () => {},
        stop: async () => {},
        tail: async () => '',
      },
      browser: { executablePath: '/usr/bin/chromium', args: [] },
      scratchDir,
      exec: async (command) => execIn(worktree, command),
      ...dirSandboxParts({
        gitDir: path.join(worktree, '.git'),
        worktree,
        scratch: scratchDir,
        baseCommit: mainCommit,
        startCommit: baseCommit,
      }),
      teardown: async (opts) => {
        tornDown.push({ ticketId: req.ticketId, keep: opts?.keep });
      },
    };
  }
  async warm() {}
  async sweep() {
    this.sweeps++;
    return { processes: 0, worktrees: 0, namespaces: 0 };
  }
  async close() {}
}

const usage = { promptTokens: 100, completionTokens: 20, cachedTokens: 10 };

export interface ScriptOptions {
  /** Wait this long (abortably) in `coding`, to test cancels, timeouts and kills. */
  codingMs?: number;
  status?: LoopOutcome['status'];
  error?: LoopOutcome['error'];
  /** Throw instead of returning (a broken environment). */
  throwError?: unknown;
  /** Change written to the worktree. */
  file?: string;
  /** The proof outcome attached to the candidate (default proven); 'none': no candidate at all. */
  proof?: ProofOutcomeKind | 'none';
  /** Called where the loop would prove: after the edit, with the tree snapshotted then. */
  onProve?: (input: LoopRunInput, tree: string) => Promise<void> | void;
}

/** A scripted loop: edits a file, goes through the stages, reports usage, returns an outcome. */
export function scriptedRunner(opts: ScriptOptions = {}): LoopRunner & { runs: string[] } {
  const runs: string[] = [];
  const runner = async function* (input: LoopRunInput): AsyncGenerator<TicketEvent, LoopOutcome> {
    runs.push(input.ticket.id);
    yield stamp({ type: 'stage', stage: 'coding' });
    yield stamp({
      type: 'tool_call',
      agent: 'coder',
      callId: 'c1',
      name: 'write_file',
      args: { path: 'src/legend.js' },
    });
    writeFileSync(
      path.join(input.sandbox.worktree, opts.file ?? 'src/legend.js'),
      `export const hidden = new Set();\nexport const toggle = (k) => (hidden.has(k) ? hidden.delete(k) : hidden.add(k));\n// ${input.ticket.id}\n`,
    );
    if (opts.codingMs) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, opts.codingMs);
        input.signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(input.signal.reason);
        });
      }).catch(() => undefined);
      if (input.signal.aborted) {
        return {
          status: 'failed',
          usage,
          modelMs: 0,
          turns: 1,
          reviewRounds: 0,
          guardrailFindings: [],
          error: { code: 'cancelled', message: 'aborted' },
        };
      }
    }
    if (opts.throwError !== undefined) throw opts.throwError;
    yield stamp({ type: 'usage', agent: 'coder', model: 'replay-coder', usage, modelMs: 40 });
    yield stamp({ type: 'stage', stage: 'verifying' });
    if (opts.onProve) await opts.onProve(input, (await input.sandbox.snapshot()).tree);
    yield stamp({ type: 'proof', outcome: 'proven', detail: 'fails on base, passes twice' });
    yield stamp({ type: 'stage', stage: 'reviewing' });
    yield stamp({ type: 'review', verdict: 'approve', comments: [], round: 1 });
    const candidate = opts.proof === 'none' ? undefined : await handOver(input, opts.proof ?? 'proven');
    return {
      ...(candidate ? { candidate } : {}),
      status: opts.status ?? 'approved',
      title: 'Toggle legend entries',
      summary: 'Clicking a legend entry hides its line.',
      usage,
      modelMs: 40,
      turns: 3,
      reviewRounds: 1,
      guardrailFindings: [],
      review: { verdict: 'approve', comments: [{ body: 'Looks right.' }] },
      ...(opts.error ? { error: opts.error } : {}),
    } as LoopOutcome;
  };
  return Object.assign(runner, { runs });
}

/** What the loop hands over: the snapshot it proved, with the proof and the review attached. */
async function handOver(input: LoopRunInput, outcome: ProofOutcomeKind): Promise<Candidate> {
  const snap = await input.sandbox.snapshot();
  const proven = attach(snap, 'proof', { outcome });
  return attach(attach(proven, 'guardrails', { ok: true, findings: [] }), 'review', {
    verdict: 'approve',
    comments: [],
  });
}

export { sh };
