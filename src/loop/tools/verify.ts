/**
 * The ending tools. submit_verification snapshots the worktree into a tree and proves that tree
 * (clean checkouts, never the live worktree); finish snapshots again and ends the run only when
 * the snapshot is a tree that was proven, which it hands over as the candidate.
 */
import { z } from 'zod';
import { planSchema } from '../../browser/plan.ts';
import type { ProofResult } from '../../browser/types.ts';
import { defineTool, ResponseBuilder, toolError } from '../../core/tool.ts';
import type { LoopToolContext } from './context.ts';

export const submitVerification = defineTool({
  name: 'submit_verification',
  description: [
    'Submit a verification plan that proves your change. Loopwright runs it in a fresh browser against the OLD code (it must fail) and twice against your code (it must pass both times), recording video and screenshots.',
    'Write steps with stable targets: {role, name} from the snapshot (preferred), {label}, {text}, {testId}; {css} only as a last resort. Refs (e12) are not valid here.',
    'End with expect_* steps that check the new behaviour, so the plan fails without your change. The result tells you what went wrong; fix the plan or the code and submit again.',
  ].join(' '),
  kind: 'assert',
  input: z.object({ plan: planSchema }),
  async run(ctx: LoopToolContext, input) {
    const snap = await ctx.sandbox.snapshot();
    if (!snap.diff.trim()) return toolError('There are no changes to verify yet. Change the code first.');
    ctx.onVerifying(true);
    let result: ProofResult;
    try {
      result = await ctx.prove(input.plan, { signal: ctx.signal, tree: snap.tree });
    } finally {
      ctx.onVerifying(false);
    }
    ctx.state.proofs.push({ tree: snap.tree, diff: snap.diff, result });
    const b = new ResponseBuilder();
    const headline = `Proof outcome: ${result.outcome}. ${result.feedback}`;
    if (result.outcome === 'proven') b.addResult(`${headline}\nNow call finish with a title and summary.`);
    else b.addError(headline);
    for (const run of result.runs) {
      const failed = run.steps.find((s) => s.status === 'failed');
      b.addPageLine(
        `- ${run.label}: ${run.verdict}${failed ? ` at step ${failed.index + 1} (${failed.action}): ${failed.error ?? 'failed'}` : ''}`,
      );
    }
    return b.setData(result).build();
  },
});

export const finish = defineTool({
  name: 'finish',
  description:
    'End your work with a pull request title (imperative, under 70 characters) and a summary of what changed and how it was verified. Only accepted after submit_verification proved the current code; any later edit needs a new proof.',
  kind: 'assert',
  input: z.object({ title: z.string().min(3).max(120), summary: z.string().min(1).max(4000) }),
  async run(ctx: LoopToolContext, input) {
    const snap = await ctx.sandbox.snapshot();
    if (!snap.diff.trim())
      return toolError('finish refused: there are no changes. Make the change the request asks for first.');
    // The newest attempt only: the evidence files on disk are that attempt's.
    const proof = ctx.state.proofs.at(-1);
    if (!proof || proof.tree !== snap.tree || proof.result.outcome !== 'proven') {
      const last = proof;
      const why = !last
        ? 'no verification plan was submitted'
        : last.tree !== snap.tree
          ? 'the code changed after the last proof'
          : `the last proof was ${last.result.outcome}`;
      return toolError(
        `finish refused: ${why}. Call submit_verification with a plan that proves the current code, then finish.`,
      );
    }
    ctx.state.finished = { title: input.title, summary: input.summary, proof };
    return new ResponseBuilder().addResult('Finished. Your change goes to review.').build();
  },
});

export const verifyTools = [submitVerification, finish];
