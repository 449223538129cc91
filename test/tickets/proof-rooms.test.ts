/**
 * Every proof runs on freshly started apps: a room whose app served an earlier proof is restarted
 * before the next one, the head room is replaced for another tree, and the agent's own app is
 * never one of them. The rooms here are a fake of the sandbox port that counts app starts.
 */
import { describe, expect, it } from 'vitest';
import type { AppHandle, Room, Sandbox } from '../../src/sandbox/types.ts';
import { ProofRooms } from '../../src/tickets/proof-rooms.ts';

interface CountingApp extends AppHandle {
  starts: number;
}

function fakeSandbox(): {
  sandbox: Sandbox;
  opened: { treeish: string; app: CountingApp; closed: boolean }[];
} {
  const opened: { treeish: string; app: CountingApp; closed: boolean }[] = [];
  const agentApp = { restart: () => Promise.reject(new Error('the proof must not use the agent app')) };
  const sandbox = {
    baseCommit: 'base-commit',
    app: agentApp,
    async openRoom(treeish: string): Promise<Room> {
      const app: CountingApp = {
        url: 'http://127.0.0.1:1',
        port: 1,
        logPath: '/dev/null',
        starts: 0,
        async restart() {
          app.starts++;
        },
        async stop() {},
        async tail() {
          return '';
        },
      };
      const entry = { treeish, app, closed: false };
      opened.push(entry);
      return {
        tree: treeish,
        dir: '/nowhere',
        scratch: '/nowhere',
        browser: { executablePath: '/bin/false', args: [] },
        async startApp() {
          app.starts++;
          return app;
        },
        exec: () => Promise.reject(new Error('unused')),
        async close() {
          entry.closed = true;
        },
      };
    },
  } as unknown as Sandbox;
  return { sandbox, opened };
}

describe('proof rooms', () => {
  it('start each proof on apps no earlier proof used', async () => {
    const { sandbox, opened } = fakeSandbox();
    const rooms = new ProofRooms(sandbox);
    const first = await Promise.all([rooms.base(), rooms.head('tree-1')]);
    expect(first.map((r) => (r.app as CountingApp).starts)).toEqual([1, 1]);

    // The same tree proven again (a new plan): the same rooms, their apps started afresh.
    const second = await Promise.all([rooms.base(), rooms.head('tree-1')]);
    expect(second.map((r) => r.room)).toEqual(first.map((r) => r.room));
    expect(second.map((r) => (r.app as CountingApp).starts)).toEqual([2, 2]);

    // Another tree: a new head room with its own first start; the old one is closed.
    const third = await Promise.all([rooms.base(), rooms.head('tree-2')]);
    expect((third[0].app as CountingApp).starts).toBe(3);
    expect((third[1].app as CountingApp).starts).toBe(1);
    expect(opened.map((o) => [o.treeish, o.closed])).toEqual([
      ['base-commit', false],
      ['tree-1', true],
      ['tree-2', false],
    ]);
    await rooms.close();
    expect(opened.every((o) => o.closed)).toBe(true);
  });

  it('a base app warmed up beside the coding counts as unused: the first proof does not restart it', async () => {
    const { sandbox, opened } = fakeSandbox();
    const rooms = new ProofRooms(sandbox);
    rooms.warmBase();
    const first = await rooms.base();
    expect((first.app as CountingApp).starts).toBe(1);
    expect(opened.map((o) => o.treeish)).toEqual(['base-commit']);
    expect((await rooms.base()).app).toBe(first.app);
    expect((first.app as CountingApp).starts).toBe(2);
    await rooms.close();
  });
});
