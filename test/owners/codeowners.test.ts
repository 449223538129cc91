/**
 * CODEOWNERS as GitHub documents it ("About code owners", example file): the last matching pattern
 * wins, a directory pattern covers everything below it, `docs/*` only its direct files, `**`
 * any depth, teams and emails as owners, an empty owner list unowns, inline comments; lines
 * GitHub would refuse are reported and skipped while the rest applies.
 */
import { describe, expect, it } from 'vitest';
import { ownersOf, parseCodeowners } from '../../src/owners/codeowners.ts';

// GitHub's documented example, in its order.
const GITHUB_EXAMPLE = `
# These owners will be the default owners for everything in the repo.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most precedence.
*.js    @js-owner #This is an inline comment.

*.go docs@example.com

*.txt @octo-org/octocats

/build/logs/ @doctocat

docs/*  docs@example.com

apps/ @octocat

/docs/ @doctocat

/scripts/ @doctocat @octocat

**/logs @octocat

/apps/ @octocat
/apps/github
`;

const co = parseCodeowners(GITHUB_EXAMPLE, '.github/CODEOWNERS');
const owners = (path: string) => ownersOf(co, path).owners;

describe('CODEOWNERS, GitHub documented examples', () => {
  it('parses every example line, with no problems', () => {
    expect(co.problems).toEqual([]);
    expect(co.rules.map((r) => r.pattern)).toContain('**/logs');
    expect(co.rules.find((r) => r.pattern === '*.js')?.owners).toEqual(['@js-owner']);
  });

  it('the last matching pattern wins over the default owners', () => {
    expect(owners('README.md')).toEqual(['@global-owner1', '@global-owner2']);
    expect(owners('src/app.js')).toEqual(['@js-owner']);
    expect(owners('main.go')).toEqual(['docs@example.com']);
    expect(owners('notes/todo.txt')).toEqual(['@octo-org/octocats']);
  });

  it('directories: anchored, anywhere, and with ** at any depth', () => {
    expect(owners('build/logs/today/x.log')).toEqual(['@octocat']); // **/logs comes later
    expect(owners('scripts/deploy.sh')).toEqual(['@doctocat', '@octocat']);
    expect(owners('deeply/nested/logs/a.txt')).toEqual(['@octocat']);
    expect(owners('src/apps/main.rb')).toEqual(['@octocat']); // apps/ anywhere
    expect(owners('docs/build-app/troubleshooting.md')).toEqual(['@doctocat']); // /docs/ and below
  });

  it('an empty owner list leaves a subdirectory unowned', () => {
    expect(owners('apps/github/readme.rb')).toEqual([]);
    expect(owners('apps/web/index.rb')).toEqual(['@octocat']);
  });

  it('docs/* matches direct files only', () => {
    const only = parseCodeowners('docs/*  docs@example.com\n');
    expect(ownersOf(only, 'docs/getting-started.md').owners).toEqual(['docs@example.com']);
    expect(ownersOf(only, 'docs/build-app/troubleshooting.md').owners).toEqual([]);
  });

  it('a later subdirectory line with its own owner overrides the directory above it', () => {
    const file = parseCodeowners('/apps/ @octocat\n/apps/github @doctocat\n');
    expect(ownersOf(file, 'apps/github/x.rb').owners).toEqual(['@doctocat']);
    expect(ownersOf(file, 'apps/other/x.rb').owners).toEqual(['@octocat']);
    expect(ownersOf(file, 'lib/apps/x.rb').owners).toEqual([]); // anchored at the root
  });

  it('reports malformed lines with their number and keeps the rest', () => {
    const file = parseCodeowners(
      [
        '*.js @js-owner',
        '!vendor/ @x',
        'src/[ab].ts @y',
        '*.css not an owner',
        'lib/ @org/team',
        'esc\\#aped @z',
      ].join('\n'),
      'CODEOWNERS',
    );
    expect(file.problems.map((p) => [p.line, p.reason])).toEqual([
      [2, 'negated patterns (!) are not supported in CODEOWNERS'],
      [3, 'character ranges ([...]) are not supported in CODEOWNERS'],
      [4, 'owner "not" is not a @user, an @org/team or an email address'],
    ]);
    expect(ownersOf(file, 'lib/a.js').owners).toEqual(['@org/team']);
    expect(ownersOf(file, 'x/esc#aped').owners).toEqual(['@z']);
    expect(ownersOf(file, 'a.css').owners).toEqual([]);
  });
});
