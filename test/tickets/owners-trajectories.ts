/**
 * Scripted trajectories of a Datadesk change (a MEDIAN aggregate, and a copy button in the cell
 * toolbar) reviewed by the general reviewer and the owners of src/query and src/components. They
 * behave as models do: several tool calls in one response, a truncated JSON argument now and then,
 * reads before verdicts. Each reviewer's turns check that its prompt holds its own rules and no
 * other team's.
 */
import type { ScriptedTurn } from '../../src/loop/replay/trajectory.ts';
import { turn } from '../loop/harness.ts';

export const REQUEST =
  'Notebook queries should support MEDIAN(column), and each cell toolbar should get a button that copies the cell number.';

const read = (p: string): [string, unknown] => ['read_file', { path: p }];
const edit = (p: string, old_string: string, new_string: string): [string, unknown] => [
  'edit_file',
  { path: p, old_string, new_string },
];
const PLAN = {
  title: 'MEDIAN works in a notebook query',
  steps: [
    { action: 'goto', url: '/notebooks' },
    { action: 'expect_visible', target: { text: 'MEDIAN' } },
  ],
};
const prove: [string, unknown] = ['submit_verification', { plan: PLAN }];
const finish: [string, unknown] = [
  'finish',
  {
    title: 'MEDIAN aggregate and a copy-cell button',
    summary: 'Adds MEDIAN(column) with a unit test, and a copy button to the cell toolbar.',
  },
];

const AST = edit(
  'src/query/ast.ts',
  "export const AGGREGATES = ['COUNT', 'SUM', 'AVG', 'MIN', 'MAX'] as const;",
  "export const AGGREGATES = ['COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'MEDIAN'] as const;",
);
const EVAL = edit(
  'src/query/evaluator.ts',
  "    case 'MAX': return values.reduce((m, v) => (compare(v, m) > 0 ? v : m));\n",
  "    case 'MAX': return values.reduce((m, v) => (compare(v, m) > 0 ? v : m));\n    case 'MEDIAN': {\n      const s = [...(values as number[])].sort((a, b) => a - b);\n      const m = Math.floor(s.length / 2);\n      return round2(s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2);\n    }\n",
);
const TEST = edit(
  'src/query/query.test.ts',
  "describe('evaluator', () => {\n",
  "describe('evaluator', () => {\n  it('computes MEDIAN', () => {\n    const r = runQuery('SELECT MEDIAN(quantity) FROM orders');\n    expect(typeof r.rows[0]?.[0]).toBe('number');\n  });\n\n",
);
const BUTTON = edit(
  'src/components/CellToolbar.tsx',
  '        {children}\n',
  '        {children}\n        <button type="button" className="button button-icon" onClick={() => navigator.clipboard.writeText(String(n))}>⧉</button>\n',
);
const LABEL = edit(
  'src/components/CellToolbar.tsx',
  'className="button button-icon" onClick={() => navigator',
  'className="button button-icon" aria-label={`Copy cell ${n} number`} title="Copy number" onClick={() => navigator',
);

const approve = (reviewer: string, extra: Partial<ScriptedTurn> = {}) =>
  turn('reviewer', [['submit_review', { verdict: 'approve', comments: [] }]], { reviewer, ...extra });

/** Coder explores (one truncated argument), then changes four files in one response. */
const coderRound1 = (edits: [string, unknown][]): ScriptedTurn[] => [
  turn('coder', [], { tool_calls: [{ tool: 'read_file', raw_args: '{"path": "src/query/ast.ts"' }] }),
  turn(
    'coder',
    [read('src/query/ast.ts'), read('src/query/evaluator.ts'), read('src/components/CellToolbar.tsx')],
    {
      expect: { lastResultIncludes: ['not valid JSON'] },
    },
  ),
  turn('coder', [...edits, prove, finish], {
    expect: { lastResultIncludes: ['AGGREGATES', 'cell-actions'] },
  }),
];

interface Rules {
  QUERY_RULE: string;
  UI_RULE: string;
  DOCS_RULE: string;
}

export function twoOwnersFixOnce(r: Rules): ScriptedTurn[] {
  const others = (own?: string) => [r.QUERY_RULE, r.UI_RULE, r.DOCS_RULE].filter((x) => x !== own);
  return [
    ...coderRound1([AST, EVAL, TEST, BUTTON]),
    // The general reviewer: reads and searches in one response, holds no team's rules.
    turn('reviewer', [read('src/query/query.test.ts'), ['search', { pattern: 'MEDIAN', path: 'src' }]], {
      reviewer: 'general',
      expect: { promptIncludes: ['general reviewer', 'would the plan still pass'], promptExcludes: others() },
    }),
    approve('general'),
    // query-team: a truncated argument first, as models sometimes send.
    turn('reviewer', [], {
      reviewer: 'query-team',
      tool_calls: [{ tool: 'read_file', raw_args: '{"path": "src/query/query.test.ts", "offset": 50' }],
      expect: {
        promptIncludes: [
          r.QUERY_RULE,
          'src/query/evaluator.ts  ← yours (query-team)',
          'src/components/CellToolbar.tsx\n',
        ],
        promptExcludes: others(r.QUERY_RULE),
      },
    }),
    turn(
      'reviewer',
      [read('src/query/query.test.ts'), ['search', { pattern: 'MEDIAN', path: 'src/query' }]],
      {
        reviewer: 'query-team',
        expect: { lastResultIncludes: ['not valid JSON'] },
      },
    ),
    approve('query-team', { expect: { lastResultIncludes: ["it('computes MEDIAN'"] } }),
    // ui-team: finds the unlabelled button and asks for an accessible name.
    turn('reviewer', [read('src/components/CellToolbar.tsx')], {
      reviewer: 'ui-team',
      expect: {
        promptIncludes: [r.UI_RULE, 'src/components/CellToolbar.tsx  ← yours (ui-team)'],
        promptExcludes: others(r.UI_RULE),
      },
    }),
    turn(
      'reviewer',
      [
        [
          'submit_review',
          {
            verdict: 'request_changes',
            comments: [
              {
                path: 'src/components/CellToolbar.tsx',
                line: 23,
                body: 'The copy button has no accessible name: give it an aria-label.',
              },
            ],
          },
        ],
      ],
      { reviewer: 'ui-team', expect: { lastResultIncludes: ['navigator.clipboard'] } },
    ),
    // The coder gets one message grouped by reviewer, fixes the button, proves and finishes again.
    turn('coder', [LABEL, prove, finish], {
      expect: {
        promptIncludes: [
          'The reviewers requested changes (ui-team)',
          '### ui-team',
          'src/components/CellToolbar.tsx:23: The copy button has no accessible name',
        ],
      },
    }),
    // Only ui-team reviews the fix: nothing of query-team's or the unowned paths changed.
    turn('reviewer', [read('src/components/CellToolbar.tsx')], {
      reviewer: 'ui-team',
      expect: { promptIncludes: ['Review round 2.', r.UI_RULE, 'aria-label={`Copy cell ${n} number`}'] },
    }),
    approve('ui-team', { expect: { lastResultIncludes: ['aria-label={`Copy cell ${n} number`}'] } }),
  ];
}

export function requiredOwnerRejects(): ScriptedTurn[] {
  return [
    ...coderRound1([AST, EVAL, TEST]),
    approve('general'),
    turn(
      'reviewer',
      [
        [
          'submit_review',
          {
            verdict: 'reject',
            comments: [{ body: 'MEDIAN belongs in a window function, not in the aggregate list.' }],
          },
        ],
      ],
      { reviewer: 'query-team' },
    ),
  ];
}

export function optionalOwnerRejects(r: Pick<Rules, 'DOCS_RULE' | 'QUERY_RULE'>): ScriptedTurn[] {
  const README = edit(
    'README.md',
    'Notebook queries use a small SQL subset:',
    'Notebook queries use a small SQL subset (MEDIAN included):',
  );
  return [
    ...coderRound1([AST, EVAL, TEST, README]),
    approve('general'),
    approve('query-team', { expect: { promptIncludes: [r.QUERY_RULE], promptExcludes: [r.DOCS_RULE] } }),
    turn(
      'reviewer',
      [
        [
          'submit_review',
          {
            verdict: 'reject',
            comments: [
              { path: 'README.md', line: 12, body: 'The README should not list internal function names.' },
            ],
          },
        ],
      ],
      {
        reviewer: 'docs-team',
        expect: {
          promptIncludes: [r.DOCS_RULE, 'README.md  ← yours (docs-team)'],
          promptExcludes: [r.QUERY_RULE],
        },
      },
    ),
  ];
}
