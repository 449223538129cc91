/** A guardrail that refuses a file says how to fix it, so the coder can act instead of guessing. */
import { describe, expect, it } from 'vitest';
import { targetSettingsSchema } from '../../src/config/target.ts';
import { checkDiff } from '../../src/loop/policy/index.ts';

const settings = targetSettingsSchema.parse({ protected: ['templates/base.html'] });

const binaryAdded = (p: string) =>
  [
    `diff --git a/${p} b/${p}`,
    'new file mode 100644',
    'index 0000000..1c2d3e4',
    `Binary files /dev/null and b/${p} differ`,
    '',
  ].join('\n');

describe('guardrail findings name the fix', () => {
  it('a binary file: remove it, and where a generated pattern belongs', () => {
    const { findings } = checkDiff(binaryAdded('cache/report.bin'), settings);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.rule).toBe('uninspectable');
    expect(findings[0]!.message).toContain("remove it with run_command `rm 'cache/report.bin'`");
    expect(findings[0]!.message).toContain('`generated` in .loopwright.yml');
  });

  it('a protected file the change edits: put it back', () => {
    const diff = [
      'diff --git a/templates/base.html b/templates/base.html',
      'index 1111111..2222222 100644',
      '--- a/templates/base.html',
      '+++ b/templates/base.html',
      '@@ -1 +1 @@',
      '-<title>Metrics</title>',
      '+<title>Team metrics</title>',
      '',
    ].join('\n');
    const { findings } = checkDiff(diff, settings);
    expect(findings.map((f) => f.rule)).toEqual(['protected']);
    expect(findings[0]!.message).toMatch(
      /To fix: put back its original content with edit_file or write_file\.$/,
    );
  });
});
