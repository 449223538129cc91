/**
 * The checks started beside the proof (checks-ahead.ts): publishing takes their result for the very
 * tree it publishes instead of running them again, and never for another tree.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalForge } from '../../src/forge/local.ts';
import type { Tickets } from '../../src/tickets/index.ts';
import { runTicket, type LoopRunInput } from '../../src/tickets/pipeline.ts';
import type { DirSandboxes } from './helpers.ts';
import { openForgeWorld, scriptedRunner, tempHome, testConfig, type ScriptOptions } from './helpers.ts';

/** The labels of the rooms a test sandbox opened (test/helpers/dir-sandbox.ts records them). */
const roomsOf = (input: LoopRunInput) => (input.sandbox as unknown as { rooms: string[] }).rooms;

describe('checks beside the proof', () => {
  const tmp = tempHome('lw-ahead-');
  const config = testConfig(tmp.home);
  let t: Tickets;
  let forge: LocalForge;
  let sandboxes: DirSandboxes;

  beforeAll(async () => {
    ({ t, forge, sandboxes } = await openForgeWorld(tmp.home, config));
  });
  afterAll(async () => {
    await t?.close();
    tmp.cleanup();
  });

  const run = async (text: string, opts: ScriptOptions) => {
    const { ticket } = await t.store.submit({ request: { text, source: 'cli', requester: 'ana' } });
    const deps = {
      config,
      store: t.store,
      forge,
      sandboxes,
      runLoop: scriptedRunner(opts),
      evidenceUrl: (id: string, rel: string) => forge.evidenceUrl(id, rel),
      pollMs: 100,
    };
    const result = await runTicket(deps, ticket.id);
    const timeline = (await t.store.timeline(ticket.id)).map((e) => e.event);
    return { ticket: result.ticket, timeline };
  };

  it('publishing takes the checks already run on the proven tree, instead of running them again', async () => {
    let rooms: string[] = [];
    const { ticket, timeline } = await run('checks once', {
      onProve: async (input, tree) => {
        rooms = roomsOf(input);
        input.checksAhead!.start(tree);
      },
    });
    expect(ticket.status).toBe('pr_opened');
    expect(rooms.filter((r) => r === 'checks')).toHaveLength(1);
    const lines = timeline.filter((e) => e.type === 'log' && e.text.startsWith('check `'));
    expect(lines.map((e) => (e.type === 'log' ? e.text : ''))).toEqual([
      'check `test -f src/legend.js`: passed',
    ]);
  });

  it('checks of an earlier tree never clear a later one: the later tree is checked again, and fails', async () => {
    let rooms: string[] = [];
    const { ticket, timeline } = await run('checks of another tree', {
      onProve: async (input, tree) => {
        rooms = roomsOf(input);
        input.checksAhead!.start(tree);
        // Wait until the earlier tree's checks finished (passed), then change the tree.
        expect((await input.checksAhead!.resultFor(tree))?.results[0]?.ok).toBe(true);
        rmSync(path.join(input.sandbox.worktree, 'src', 'legend.js'));
      },
    });
    expect(ticket.status).toBe('rejected');
    expect(ticket.error?.message).toMatch(/checks fail on this tree: `test -f src\/legend.js`/);
    expect(rooms.filter((r) => r === 'checks')).toHaveLength(2);
    expect(timeline.some((e) => e.type === 'log' && e.text.includes(': failed'))).toBe(true);
  });
});
