/**
 * A Flask + Jinja dashboard from request to proven PR through the real pipeline: bwrap sandboxes,
 * git, Chromium, the local forge and the replay server playing a scripted model. The app runs
 * without debug mode, so its templates are cached: after the edit the browser still shows the old
 * page, browser_navigate says so and names restart_app, and after the restart the page is new.
 * Running the app and the unittest check writes no bytecode into the change: the PR holds the
 * template alone, and the checks pass. A second ticket reuses the virtual environment the first
 * one built (a local package installed with `pip install --no-index`) and cannot write to it; its
 * agent never restarts its stale app, and the proof passes all the same on apps of its own.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPROVE,
  openWorld,
  proofOutcomes,
  run,
  skipReason,
  submit,
  turn,
  type SecurityWorld,
} from '../security/helpers.ts';
import { git } from '../helpers/git.ts';
import { FLASK_FILES, TOTAL_EDIT, TOTAL_PLAN, TOTAL_REQUEST, TOTAL_TEXT } from './flask-app.ts';

const CHECK = 'python -m unittest discover -s tests -t .';
const STALE = 'call restart_app to pick the edit up';
const navigate: [string, unknown] = ['browser_navigate', { url: '/' }];
const done = (title: string): [string, unknown] => [
  'finish',
  { title, summary: `The metrics page shows "${TOTAL_TEXT}".` },
];

/** The environment directories of the world's dependency cache, with when each was finished. */
function venvs(home: string): Record<string, number> {
  const deps = path.join(home, 'deps');
  return Object.fromEntries(
    readdirSync(deps)
      .filter((d) => !d.endsWith('.lock'))
      .map((d) => [d, statSync(path.join(deps, d, '.complete')).mtimeMs]),
  );
}

describe.skipIf(skipReason)('a Flask dashboard end to end', () => {
  let world: SecurityWorld;
  beforeAll(async () => {
    world = await openWorld({}, FLASK_FILES);
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  });

  it('proves and publishes the template change, with no generated file in the PR and the checks passing', async () => {
    const { ticket, events, diag } = await world.runTicket(
      [
        turn('coder', [navigate], {
          expect: {
            promptIncludes: [
              'when browser_navigate says the page is older than your last edit, call restart_app',
            ],
          },
        }),
        turn('coder', [TOTAL_EDIT, run(CHECK), navigate], { expect: { lastResultExcludes: [STALE] } }),
        // Flask caches the template it rendered: the page is the old one, and the tool says why.
        turn('coder', [['restart_app', {}], navigate], {
          expect: {
            lastResultIncludes: [STALE, 'exit code 0', 'Ran 1 test'],
            lastResultExcludes: [TOTAL_TEXT],
          },
        }),
        turn('coder', [submit(TOTAL_PLAN)], {
          expect: { lastResultIncludes: [TOTAL_TEXT], lastResultExcludes: [STALE] },
        }),
        turn('coder', [done('Show the total under the metrics table')], {
          expect: { lastResultIncludes: ['Proof outcome: proven'] },
        }),
        APPROVE,
      ],
      TOTAL_REQUEST,
    );
    expect(proofOutcomes(events), diag).toEqual(['proven']);
    expect(ticket.status, diag).toBe('pr_opened');
    const published = world.published(ticket)!;
    expect(published.files.filter((f) => /__pycache__|\.pyc$|\.venv|_cache/.test(f))).toEqual([]);
    expect(published.read('templates/index.html')).toContain('Total: {{ total|fmt }}');
    const repo = world.rt.localForge!.repoPath;
    const changed = git(repo, 'diff', '--name-only', 'main', `refs/heads/${published.branch}`);
    expect(changed.trim().split('\n'), diag).toEqual(['templates/index.html']);
    const timeline = await world.rt.tickets.store.timeline(ticket.id);
    const logs = timeline.flatMap((e) => (e.event.type === 'log' ? [e.event.text] : []));
    expect(logs, diag).toContain(`check \`${CHECK}\`: passed`);
    expect(Object.keys(venvs(world.home))).toHaveLength(1);
    console.log(`preparing (cold environment): ${ticket.timings.preparingMs} ms`);
  }, 360_000);

  it('a second ticket reuses the environment the first one built and cannot write to it', async () => {
    const before = venvs(world.home);
    const { ticket, diag } = await world.runTicket(
      [
        turn('coder', [
          // The agent's app renders (and caches) the old template; it is never restarted below, and
          // the proof still sees the change: proofs run on freshly started apps of their own.
          navigate,
          run(
            'touch "$VIRTUAL_ENV/owned" .venv/owned; pip install --no-index --find-links vendor --force-reinstall metricfmt; python -c "import metricfmt"',
          ),
          TOTAL_EDIT,
        ]),
        turn('coder', [navigate], {
          expect: { lastResultIncludes: ['Read-only file system', 'exit code 0'] },
        }),
        turn('coder', [submit(TOTAL_PLAN)], {
          expect: { lastResultIncludes: [STALE], lastResultExcludes: [TOTAL_TEXT] },
        }),
        turn('coder', [done('Show the metrics total')], {
          expect: { lastResultIncludes: ['Proof outcome: proven'] },
        }),
        APPROVE,
      ],
      TOTAL_REQUEST,
    );
    expect(ticket.status, diag).toBe('pr_opened');
    expect(venvs(world.home)).toEqual(before);
    const dir = path.join(world.home, 'deps', Object.keys(before)[0]!, 'venv');
    expect(readdirSync(dir)).not.toContain('owned');
    console.log(`preparing (warm environment): ${ticket.timings.preparingMs} ms`);
  }, 360_000);
});
