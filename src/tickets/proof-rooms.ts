/**
 * The proof's two apps, each in a clean room: the base commit's (opened once per ticket) and the
 * snapshotted tree's (replaced when the coder submits a plan on another tree). Neither is the
 * agent's live app, and no agent process can reach either. Every proof starts from freshly started
 * apps: a room that served an earlier proof has its app restarted first, so no proof sees state
 * (in-memory data, cached templates) that an earlier one left behind.
 */
import type { RouteShot } from '../evidence/routes.ts';
import type { AppHandle, Room, Sandbox } from '../sandbox/types.ts';
import type { BasePool } from './base-pool.ts';

export interface RunningRoom {
  room: Room;
  app: AppHandle;
  /** The base app's cached before-screenshots, copied into the evidence. */
  before?: (outDir: string) => Promise<RouteShot[]>;
}

export class ProofRooms {
  private readonly sandbox: Sandbox;
  private readonly bases?: BasePool;
  private baseRoom?: Promise<RunningRoom>;
  private headRoom?: { tree: string; running: Promise<RunningRoom> };
  /** Rooms whose app already served a proof. */
  private readonly served = new WeakSet<RunningRoom>();

  /** `bases`: where the base app comes from (a warm one of the ticket's own); default: opened here. */
  constructor(sandbox: Sandbox, bases?: BasePool) {
    this.sandbox = sandbox;
    this.bases = bases;
  }

  /** Starts the base app ahead of the proof (beside the coding); no proof has used it yet. */
  warmBase(): void {
    this.startBase().catch(() => undefined);
  }

  async base(): Promise<RunningRoom> {
    return this.fresh(await this.startBase());
  }

  private startBase(): Promise<RunningRoom> {
    this.baseRoom ??= this.bases ? this.bases.take(this.sandbox) : this.open(this.sandbox.baseCommit, 'base');
    this.baseRoom.catch(() => (this.baseRoom = undefined));
    return this.baseRoom;
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
