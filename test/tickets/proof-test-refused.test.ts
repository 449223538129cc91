/**
 * A target that asks for `proofTests` but does not depend on @playwright/test: the test cannot run
 * there, so publishing does not add it, and the PR opens without it and says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_FILES,
  APPROVE,
  FOOTER_EDIT,
  FOOTER_PLAN,
  finish,
  openWorld,
  skipReason,
  submit,
  turn,
  type SecurityWorld,
} from '../security/helpers.ts';

describe.skipIf(skipReason)('proofTests on a repository without @playwright/test', () => {
  let world: SecurityWorld;
  beforeAll(async () => {
    world = await openWorld({ '.loopwright.yml': `${APP_FILES['.loopwright.yml']}proofTests: e2e\n` });
  }, 120_000);
  afterAll(() => world?.close());

  it('opens the PR without the test and says why', async () => {
    const { ticket, diag } = await world.runTicket([
      turn('coder', [FOOTER_EDIT]),
      turn('coder', [submit(FOOTER_PLAN)]),
      turn('coder', [finish()]),
      APPROVE,
    ]);
    expect(ticket.status, diag).toBe('pr_opened');
    const published = world.published(ticket)!;
    expect(published.files.filter((f) => f.startsWith('e2e/'))).toEqual([]);
    const pr = await world.rt.localForge!.getPullRequest(ticket.pr!.number);
    expect(pr?.body).toContain(
      'The proof was not added as `e2e/the-footer-says-it-is-ready-to-ship.spec.ts`',
    );
    expect(pr?.body).toContain('does not depend on @playwright/test');
  }, 300_000);
});
