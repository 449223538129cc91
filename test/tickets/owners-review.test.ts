/**
 * Code owners, plus: a Datadesk change that touches two teams' code is reviewed by the general
 * reviewer and by each team's own reviewer, in separate conversations with only their own rules
 * (read from the base commit), through the replay server and the real openai client; the pipeline,
 * store, git and local forge are real. The proof is scripted (the loop's tests cover the real one).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProofResult } from '../../src/browser/types.ts';
import { LocalForge } from '../../src/forge/local.ts';
import type { PublishInput } from '../../src/forge/types.ts';
import { runTicketLoop } from '../../src/loop/index.ts';
import { OpenAIChatModel } from '../../src/loop/llm/openai.ts';
import { REPLAY_MODELS, startReplayServer, type ReplayServer } from '../../src/loop/replay/server.ts';
import type { ScriptedTurn } from '../../src/loop/replay/trajectory.ts';
import { openTickets, type Tickets } from '../../src/tickets/index.ts';
import { runTicket, type LoopRunner } from '../../src/tickets/pipeline.ts';
import { DATADESK } from '../helpers/datadesk.ts';
import { testBudgets } from '../loop/harness.ts';
import { DirSandboxes, tempHome, testConfig } from './helpers.ts';
import * as T from './owners-trajectories.ts';

const QUERY_RULE = 'Every new SQL function has a unit test.';
const UI_RULE = 'Every interactive element has an accessible name.';
const DOCS_RULE = 'Docs are written in plain words.';

/** Datadesk's sources with the teams' reviewer files and CODEOWNERS on main. */
function datadeskSource(root: string): string {
  const dir = path.join(root, 'datadesk');
  cpSync(DATADESK, dir, {
    recursive: true,
    filter: (src) => !/\/(node_modules|dist)(\/|$)/.test(src.slice(DATADESK.length)),
  });
  mkdirSync(path.join(dir, '.loopwright/reviewers'), { recursive: true });
  mkdirSync(path.join(dir, '.github'), { recursive: true });
  writeFileSync(
    path.join(dir, '.loopwright/reviewers/query.md'),
    `---\nname: query-team\n---\n${QUERY_RULE}\n`,
  );
  writeFileSync(
    path.join(dir, '.loopwright/reviewers/ui.md'),
    `---\nname: ui-team\nmodel: gpt-4.1-mini\n---\n${UI_RULE}\n`,
  );
  writeFileSync(
    path.join(dir, '.loopwright/reviewers/docs.md'),
    `---\nname: docs-team\nglobs: ["**/*.md"]\nrequired: false\n---\n${DOCS_RULE}\n`,
  );
  writeFileSync(
    path.join(dir, '.github/CODEOWNERS'),
    '# Teams own their code\n/src/query/ @acme/query-team\n/src/components/ @acme/ui-team\n/src/components/ *not-an-owner\n',
  );
  // The checks run in a clean room without dependencies here; Datadesk's own need node_modules.
  const yml = readFileSync(path.join(dir, '.loopwright.yml'), 'utf8');
  writeFileSync(
    path.join(dir, '.loopwright.yml'),
    yml.replace(/^checks:.*$/m, 'checks: ["test -f src/query/evaluator.ts"]'),
  );
  return dir;
}

/** The proof port: proven once the MEDIAN aggregate is in, as the real prover would find. */
const prove =
  (worktree: string) =>
  async (plan: ProofResult['plan']): Promise<ProofResult> => {
    const ok = readFileSync(path.join(worktree, 'src/query/ast.ts'), 'utf8').includes("'MEDIAN'");
    return {
      outcome: ok ? 'proven' : 'passes_on_base',
      feedback: ok
        ? 'Fails on the old code and passes twice on the new code.'
        : 'Passes on the old code too.',
      plan,
      runs: [],
      playwrightTest: '',
    };
  };

describe('code owners, plus: one reviewer per owner of a Datadesk change', () => {
  const tmp = tempHome('lw-owners-');
  let t: Tickets;
  let forge: LocalForge;
  let sandboxes: DirSandboxes;
  const config = testConfig(tmp.home);

  beforeAll(async () => {
    t = await openTickets(config);
    forge = new LocalForge({
      db: t.db,
      home: tmp.home,
      name: 'datadesk',
      baseBranch: 'main',
      publicUrl: 'http://127.0.0.1:4700',
      author: { name: 'Loopwright', email: 'lw@example.com' },
      source: datadeskSource(tmp.home),
    });
    await forge.ensureRepo();
    sandboxes = new DirSandboxes(tmp.home, () => forge.cloneUrl());
  }, 240_000);
  afterAll(async () => {
    await t?.close();
    tmp.cleanup();
  });

  /** Runs one ticket through the pipeline with `turns` played by a replay server. */
  const published: PublishInput[] = [];
  async function runScript(turns: ScriptedTurn[]) {
    let server: ReplayServer | undefined;
    const runLoop: LoopRunner = async function* (input) {
      server = await startReplayServer({ trajectory: turns });
      const model = (name: string) =>
        new OpenAIChatModel({ model: name, baseURL: server!.url, maxRetries: 1 });
      try {
        return yield* runTicketLoop({
          ticketId: input.ticket.id,
          request: input.ticket.request.text,
          sandbox: input.sandbox,
          prove: prove(input.sandbox.worktree),
          coder: model(REPLAY_MODELS.coder),
          reviewer: model(REPLAY_MODELS.reviewer),
          // An owner's own model: the replay routes it by the prompt's markers, as any other name.
          reviewerFor: (name) => model(name),
          budgets: testBudgets(),
          signal: input.signal,
        });
      } finally {
        await server.close();
      }
    };
    const { ticket: submitted } = await t.store.submit({
      request: { text: T.REQUEST, source: 'cli', requester: 'ana' },
    });
    const { ticket } = await runTicket(
      {
        config,
        store: t.store,
        // The local forge, noting what the pipeline hands it (GitHub posts the reviews from this).
        forge: Object.assign(Object.create(forge) as LocalForge, {
          publish: (input: PublishInput) => (published.push(input), forge.publish(input)),
        }),
        sandboxes,
        runLoop,
        evidenceUrl: (id, rel) => forge.evidenceUrl(id, rel),
        pollMs: 100,
      },
      submitted.id,
    );
    const timeline = await t.store.timeline(ticket.id);
    const pr = ticket.pr ? await forge.getPullRequest(ticket.pr.number) : undefined;
    return { ticket, server: server!, timeline, pr };
  }

  it('three reviewer conversations with their own rules; only the UI reviewer reviews the fix; the PR shows the owners', async () => {
    const { ticket, server, timeline, pr } = await runScript(
      T.twoOwnersFixOnce({ QUERY_RULE, UI_RULE, DOCS_RULE }),
    );
    expect(server.mismatches).toEqual([]);
    expect(server.remaining()).toEqual({ coder: 0, reviewer: 0 });
    expect(ticket.status).toBe('pr_opened');
    // Three separate conversations in round 1; after the coder's fix, only ui-team.
    const reviewers = server.served.filter((s) => s.agent === 'reviewer');
    expect(new Set(reviewers.map((s) => s.reviewer))).toEqual(new Set(['general', 'query-team', 'ui-team']));
    const lastCoder = server.served.findLastIndex((s) => s.agent === 'coder');
    expect(server.served.slice(lastCoder + 1).map((s) => s.reviewer)).toEqual(['ui-team', 'ui-team']);
    expect(ticket.reviews?.map((r) => [r.reviewer, r.round, r.verdict])).toEqual(
      expect.arrayContaining([
        ['general', 1, 'approve'],
        ['query-team', 1, 'approve'],
        ['ui-team', 1, 'request_changes'],
        ['ui-team', 2, 'approve'],
      ]),
    );
    expect(ticket.reviews).toHaveLength(4);
    expect(ticket.review?.verdict).toBe('approve');
    for (const r of ticket.reviews ?? []) expect(r.usage?.promptTokens).toBeGreaterThan(0);
    expect(new Set(ticket.reviews?.map((r) => `${r.reviewer}:${r.model}`))).toEqual(
      new Set(['general:replay-reviewer', 'query-team:replay-reviewer', 'ui-team:gpt-4.1-mini']),
    );
    // Each verdict is an event on the timeline; the malformed CODEOWNERS line is reported there.
    const verdicts = timeline.filter((e) => e.event.type === 'reviewer_verdict');
    expect(verdicts).toHaveLength(4);
    const warnings = timeline.flatMap((e) => (e.event.type === 'log' ? [e.event.text] : []));
    expect(warnings.some((w) => w.includes('.github/CODEOWNERS:4') && w.includes('*not-an-owner'))).toBe(
      true,
    );
    expect(pr?.body).toContain('## Reviewers');
    expect(pr?.body).toMatch(/\| general \| yes \| ✅ approved \| 1 \|/);
    expect(pr?.body).toMatch(/\| query-team \| yes \| ✅ approved \| 1 \|/);
    expect(pr?.body).toMatch(/\| ui-team \| yes \| ✅ approved \| 2 \|/);
    // The forge gets each reviewer's standing verdict and the diff to place comments on.
    const handed = published.at(-1)!;
    expect(handed.reviews?.map((r) => [r.reviewer, r.round, r.verdict])).toEqual([
      ['general', 1, 'approve'],
      ['query-team', 1, 'approve'],
      ['ui-team', 2, 'approve'],
    ]);
    expect(handed.diff).toContain('+++ b/src/components/CellToolbar.tsx');
  }, 120_000);

  it('a required owner that rejects ends the ticket rejected, naming the owner and why', async () => {
    const { ticket, server, pr } = await runScript(T.requiredOwnerRejects());
    expect(server.mismatches).toEqual([]);
    expect(ticket.status).toBe('rejected');
    expect(ticket.error?.code).toBe('review_rejected');
    expect(ticket.error?.message).toContain(
      'query-team rejected the change: MEDIAN belongs in a window function',
    );
    expect(pr).toBeUndefined();
  }, 120_000);

  it('an owner that is not required rejecting does not block: the PR opens with its comment', async () => {
    const { ticket, server, pr } = await runScript(T.optionalOwnerRejects({ DOCS_RULE, QUERY_RULE }));
    expect(server.mismatches).toEqual([]);
    expect(ticket.status).toBe('pr_opened');
    expect(pr?.body).toMatch(/\| docs-team \| no \| ⛔ rejected \| 1 \|/);
    expect(pr?.body).toContain('**docs-team** (not required):');
    expect(pr?.body).toContain('The README should not list internal function names.');
  }, 120_000);
});
