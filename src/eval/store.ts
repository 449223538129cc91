/**
 * A run's directory, `$LOOPWRIGHT_HOME/evals/<run id>/`: `run.json` (what ran and the scores),
 * `trials.jsonl` (one line per trial, appended as each settles), `trajectories/<ticket>.jsonl`
 * (replayable: the recorded turns of a live model, or the script a replay played) and
 * `evidence/<ticket>` (a link to the ticket's evidence: video, GIF, diff, transcript). When the run
 * finishes its files are made read-only: a run is a record, never edited.
 */
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Ticket } from '../core/ticket.ts';
import { evidenceDirFor } from '../evidence/manifest.ts';
import type { ModelScore, TrialRecord } from './score.ts';

export interface RunMeta {
  suite: string;
  models: string[];
  tasks: string[];
  trials: number;
  concurrency: number;
}

export interface StoredRun {
  id: string;
  dir: string;
  meta: RunMeta & {
    id: string;
    startedAt: string;
    finishedAt?: string;
    scores?: Record<string, ModelScore>;
    skipped?: string[];
  };
  trials: TrialRecord[];
}

export const evalsDir = (home: string): string => path.join(path.resolve(home), 'evals');

const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{4}$/;

export class RunDir {
  readonly id: string;
  readonly dir: string;
  private readonly home: string;
  private readonly meta: StoredRun['meta'];

  private constructor(home: string, id: string, meta: RunMeta) {
    this.home = path.resolve(home);
    this.id = id;
    this.dir = path.join(evalsDir(home), id);
    this.meta = { id, ...meta, startedAt: new Date().toISOString() };
  }

  static create(home: string, meta: RunMeta): RunDir {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const run = new RunDir(home, `${stamp}-${randomBytes(2).toString('hex')}`, meta);
    mkdirSync(path.join(run.dir, 'trajectories'), { recursive: true });
    mkdirSync(path.join(run.dir, 'evidence'), { recursive: true });
    writeFileSync(path.join(run.dir, 'run.json'), `${JSON.stringify(run.meta, null, 2)}\n`);
    writeFileSync(path.join(run.dir, 'trials.jsonl'), '');
    return run;
  }

  append(record: TrialRecord): void {
    // The fixed fields first, in the order other tooling documents them.
    const { task, model, trial, bucket, falseProof, ticketId, usage, timings, ...rest } = record;
    const line = { task, model, trial, bucket, falseProof, ticketId, usage, timings, ...rest };
    appendFileSync(path.join(this.dir, 'trials.jsonl'), `${JSON.stringify(line)}\n`);
  }

  /** Links the ticket's evidence and keeps its trajectory; returns the links, relative to the run. */
  link(ticket: Ticket, spec: { ticketModel: string }): Record<string, string> {
    const links: Record<string, string> = {};
    const evidence = evidenceDirFor(this.home, ticket.id);
    if (existsSync(evidence)) {
      const rel = `evidence/${ticket.id}`;
      if (!existsSync(path.join(this.dir, rel))) symlinkSync(evidence, path.join(this.dir, rel));
      links.evidence = rel;
      for (const [key, file] of [
        ['diff', 'diff.patch'],
        ['transcript', 'transcript.jsonl'],
        ['gif', 'head.gif'],
        ['video', 'head.webm'],
      ] as const) {
        if (existsSync(path.join(evidence, file))) links[key] = `${rel}/${file}`;
      }
    }
    const recorded = path.join(evidence, 'trajectory.jsonl');
    const script = spec.ticketModel.startsWith('replay:')
      ? spec.ticketModel.slice('replay:'.length)
      : undefined;
    const source = existsSync(recorded) ? recorded : script && existsSync(script) ? script : undefined;
    if (source) {
      links.trajectory = `trajectories/${ticket.id}.jsonl`;
      copyFileSync(source, path.join(this.dir, links.trajectory));
    }
    return links;
  }

  finish(result: { models: Record<string, ModelScore>; skipped: string[] }): void {
    const meta = {
      ...this.meta,
      finishedAt: new Date().toISOString(),
      scores: result.models,
      skipped: result.skipped,
    };
    writeFileSync(path.join(this.dir, 'run.json'), `${JSON.stringify(meta, null, 2)}\n`);
    for (const f of ['run.json', 'trials.jsonl']) chmodSync(path.join(this.dir, f), 0o444);
    for (const f of readdirSync(path.join(this.dir, 'trajectories')))
      chmodSync(path.join(this.dir, 'trajectories', f), 0o444);
  }
}

export function parseTrials(text: string): TrialRecord[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TrialRecord);
}

/** A stored run by id (or a path to its directory); `not_found` naming the runs there are. */
export function readRun(home: string, idOrDir: string): StoredRun {
  const dir = existsSync(path.join(idOrDir, 'run.json'))
    ? path.resolve(idOrDir)
    : path.join(evalsDir(home), idOrDir);
  if (!RUN_ID.test(path.basename(dir)) && !existsSync(path.join(idOrDir, 'run.json'))) {
    throw new CodedError(ErrorCode.BadRequest, `"${idOrDir}" is not a run id`, {
      hint: 'run ids look like 20261201-081500-ab12',
    });
  }
  if (!existsSync(path.join(dir, 'run.json'))) {
    throw new CodedError(ErrorCode.NotFound, `no eval run ${idOrDir} under ${evalsDir(home)}`, {
      hint: `the runs there: ${
        listRuns(home)
          .map((r) => r.id)
          .join(', ') || 'none yet (loopwright eval run)'
      }`,
    });
  }
  const meta = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as StoredRun['meta'];
  const trials = parseTrials(readFileSync(path.join(dir, 'trials.jsonl'), 'utf8'));
  return { id: path.basename(dir), dir, meta, trials };
}

/** Every stored run, newest first. */
export function listRuns(home: string): StoredRun[] {
  const root = evalsDir(home);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter(
      (d) =>
        RUN_ID.test(d) &&
        statSync(path.join(root, d)).isDirectory() &&
        existsSync(path.join(root, d, 'run.json')),
    )
    .sort()
    .reverse()
    .map((d) => readRun(home, d));
}
