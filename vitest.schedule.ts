/**
 * The order test files start in, for a 2-core machine. The end-to-end files each keep more than a
 * core busy (Chromium, bwrap, CLI processes, Postgres), so two of them side by side slow each other
 * into their deadlines; unit files fit in beside one. The pool hands files out in the order given
 * here, so the order is planned: with each file's expected duration, files are dealt to the two
 * workers as the pool would, a heavy file only when no other heavy file is expected to still run,
 * unit files in between, longest first in each kind (so the short ones even out the end).
 *
 * Expected durations come from the last local run (Vitest's cache) when it passed, else from the
 * tables below (seconds in a full run on a busy 2-core machine; only their ratios matter), else
 * one second.
 */
import path from 'node:path';
import type { TestSpecification } from 'vitest/node';
import { BaseSequencer } from 'vitest/node';

/** Files that keep more than one core busy (a key ending in '/' covers a folder). */
export const HEAVY: Record<string, number> = {
  'test/cli/cli.test.ts': 200,
  'test/forge/github-e2e.test.ts': 250,
  'test/cli/scale.test.ts': 225,
  'test/security/': 120,
  'test/tickets/fencing-e2e.test.ts': 40,
  'test/slack/e2e.test.ts': 90,
  'test/slack/targets-e2e.test.ts': 500,
  'test/cli/container.test.ts': 120,
  'test/evidence/datadesk.test.ts': 52,
  'test/loop/datadesk.test.ts': 52,
  'test/tickets/proof-test.test.ts': 200,
  'test/tickets/proof-test-refused.test.ts': 60,
  'test/tickets/proof-test-disagree.test.ts': 100,
  'test/evidence/preview.test.ts': 15,
  'test/browser/text-parity.test.ts': 50,
  'test/python/flask-e2e.test.ts': 120,
  'test/cli/worker-health.test.ts': 170,
  'test/eval/eval-e2e.test.ts': 420,
  'test/eval/hidden-attack.test.ts': 40,
};

/** Other files that take a while; anything unlisted is taken as one second. */
const LIGHT: Record<string, number> = {
  'test/evidence/proof.test.ts': 77,
  'test/web/browser.test.ts': 62,
  'test/slack/sql-store.test.ts': 57,
  'test/forge/local.test.ts': 47,
  'test/forge/github.test.ts': 47,
  'test/forge/github-followup-targets.test.ts': 50,
  'test/tickets/pipeline.test.ts': 46,
  'test/tickets/owners-review.test.ts': 48,
  'test/owners/cli.test.ts': 40,
  'test/tickets/store.test.ts': 40,
  'test/tickets/queue.test.ts': 30,
  'test/forge/evidence-s3.test.ts': 31,
  'test/browser/tools.test.ts': 25,
  'test/evidence/secrets.test.ts': 22,
  'test/sandbox/escape.test.ts': 21,
  'test/sandbox/sandbox.test.ts': 18,
  'test/sandbox/python.test.ts': 42,
  'test/loop/policy.test.ts': 18,
  'test/eval/reviewer.test.ts': 25,
};

/** The table entry for a file: its own, or its folder's. */
export function lookup(table: Record<string, number>, file: string): number | undefined {
  return table[file] ?? Object.entries(table).find(([k]) => k.endsWith('/') && file.startsWith(k))?.[1];
}

export interface Planned {
  file: string;
  seconds: number;
  heavy: boolean;
}

/** Deals files to `workers` workers as a FIFO pool would; returns them in hand-out order. */
export function plan(files: Planned[], workers: number): Planned[] {
  const byLength = (a: Planned, b: Planned) => b.seconds - a.seconds || a.file.localeCompare(b.file);
  const heavy = files.filter((f) => f.heavy).sort(byLength);
  const light = files.filter((f) => !f.heavy).sort(byLength);
  const free = Array.from({ length: Math.max(1, workers) }, () => 0);
  let heavyUntil = 0;
  const order: Planned[] = [];
  while (heavy.length || light.length) {
    const w = free.indexOf(Math.min(...free));
    const now = free[w]!;
    const next = heavy.length && (now >= heavyUntil || !light.length) ? heavy.shift()! : light.shift()!;
    if (next.heavy) heavyUntil = now + next.seconds;
    free[w] = now + next.seconds;
    order.push(next);
  }
  return order;
}

export class TwoCoreSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const planned = new Map<Planned, TestSpecification>();
    for (const spec of files) {
      const file = path.relative(root, spec.moduleId).split(path.sep).join('/');
      const last = this.ctx.cache.getTestSpecificationResult(spec);
      const heavy = lookup(HEAVY, file) !== undefined;
      const seconds =
        last && !last.failed ? last.duration / 1000 : (lookup(HEAVY, file) ?? lookup(LIGHT, file) ?? 1);
      planned.set({ file, seconds, heavy }, spec);
    }
    return plan([...planned.keys()], this.ctx.config.maxWorkers).map((p) => planned.get(p)!);
  }
}
