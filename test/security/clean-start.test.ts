/**
 * The proof runs the change from a clean checkout of its tree. A change whose app does not start
 * that way (here: it needs a module that `.gitignore` keeps out of the commit) is the coder's to
 * fix, so it comes back to the coder as the proof's outcome with the reason, instead of failing
 * the ticket as a broken environment; once the module is part of the change, the same plan proves.
 */
import { describe, expect, it } from 'vitest';
import {
  APPROVE,
  FEATURE,
  FOOTER_PLAN,
  finish,
  useWorld,
  proofOutcomes,
  skipReason,
  submit,
  turn,
} from './helpers.ts';

const BOOT = `module.exports = ${JSON.stringify(FEATURE)};\n`;
const serverUsing = (module: string): [string, unknown] => [
  'edit_file',
  {
    path: 'src/server.js',
    old_string: "const path = require('node:path');",
    new_string: `const path = require('node:path');\nconst footer = require('${module}');`,
  },
];
const FOOTER_FROM_MODULE: [string, unknown] = [
  'edit_file',
  {
    path: 'src/server.js',
    old_string: '    res.end(page());',
    new_string: '    res.end(page() + `<footer>${footer}</footer>\\n`);',
  },
];

describe.skipIf(skipReason)('security: the change is proven from a clean checkout', () => {
  const world = useWorld();

  it('an app that only starts with an ignored file goes back to the coder, who then proves the real change', async () => {
    const { ticket, events, diag } = await world().runTicket([
      turn('coder', [
        ['write_file', { path: 'src/gen/boot.js', content: BOOT }],
        serverUsing('./gen/boot.js'),
        FOOTER_FROM_MODULE,
        ['restart_app', {}],
      ]),
      turn('coder', [submit(FOOTER_PLAN)]),
      turn(
        'coder',
        [
          ['write_file', { path: 'src/boot.js', content: BOOT }],
          [
            'edit_file',
            {
              path: 'src/server.js',
              old_string: "require('./gen/boot.js')",
              new_string: "require('./boot.js')",
            },
          ],
          ['restart_app', {}],
        ],
        { expect: { lastResultIncludes: ['does not start when checked out clean'] } },
      ),
      turn('coder', [submit(FOOTER_PLAN)]),
      turn('coder', [finish()], { expect: { lastResultIncludes: ['Proof outcome: proven'] } }),
      APPROVE,
    ]);
    expect(proofOutcomes(events), diag).toEqual(['fails_on_head', 'proven']);
    expect(ticket.status, diag).toBe('pr_opened');
    expect(world().published(ticket)!.files, diag).toContain('src/boot.js');
  }, 180_000);
});
