/**
 * The proof's two apps, each in a clean room: the base commit's (opened once per ticket) and the
 * snapshotted tree's (replaced when the coder submits a plan on another tree). Neither is the
 * agent's live app, and no agent process can reach either. Every proof starts from freshly started
 * apps: a room that served an earlier proof has its app restarted first, so no proof sees state
 * (in-memory data, cached templates) that an earlier one left behind.
 */
import type { AppHandle, Room, Sandbox } from '../sandbox/types.ts';

export interface RunningRoom {
  room: Room;
  app: AppHandle;
}

export class ProofRooms {
  private readonly sandbox: Sandbox;
  private baseRoom?: Promise<RunningRoom>;
  private headRoom?: { tree: string; running: Promise<RunningRoom> };
  /** Rooms whose app already served a proof. */
  private readonly served = new WeakSet<RunningRoom>();

  constructor(sandbox: Sandbox) {
    this.sandbox = sandbox;
  }

  async base(): Promise<RunningRoom> {
    this.baseRoom ??= this.open(this.sandbox.baseCommit, 'base');
    this.baseRoom.catch(() => (this.baseRoom = undefined));
    return this.fresh(await this.baseRoom);
  }

  async head(tree: string): Promise<RunningRoom> {
    if (this.headRoom?.tree !== tree) {
      const previous = this.headRoom?.running;
      this.headRoom = { tree, running: this.open(tree, 'head') };
      if (previous) await closeRoom(previous);
    }
    const running = this.headRoom.running;
    running.catch(() => (this.headRoom = undefined));
    return this.fresh(await running);
  }

  async close(): Promise<void> {
    await Promise.all([this.baseRoom, this.headRoom?.running].map((r) => (r ? closeRoom(r) : undefined)));
  }

  /** The room with an app no earlier proof has used: restarted when one has. */
  private async fresh(r: RunningRoom): Promise<RunningRoom> {
    if (this.served.has(r)) await r.app.restart();
    this.served.add(r);
    return r;
  }

  private async open(treeish: string, label: string): Promise<RunningRoom> {
    const room = await this.sandbox.openRoom(treeish, label);
    try {
      return { room, app: await room.startApp() };
    } catch (error) {
      await room.close().catch(() => undefined);
      throw error;
    }
  }
}

async function closeRoom(running: Promise<RunningRoom>): Promise<void> {
  const r = await running.catch(() => undefined);
  await r?.room.close().catch(() => undefined);
}
