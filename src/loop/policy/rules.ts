/**
 * The guardrail rules as data (STYLE.md 6). Paths matching a rule may not be changed by the agent:
 * the file tools refuse them up front and `checkDiff` rejects a diff touching them. Anything the
 * checks cannot inspect (binary patches, renames out of the tree) is denied as well.
 */

export interface PathRule {
  id: string;
  /** picomatch globs, matched with `dot: true` against repo-relative paths. */
  globs: string[];
  /** Why, in words the model can act on. */
  message: string;
  /** A target setting that lifts the rule. */
  unless?: 'allowDependencyChanges';
}

export const LOCKFILES = [
  '**/package-lock.json',
  '**/npm-shrinkwrap.json',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  '**/bun.lockb',
  '**/bun.lock',
  '**/Cargo.lock',
  '**/poetry.lock',
  '**/Pipfile.lock',
  '**/uv.lock',
  '**/pdm.lock',
  // A Python environment is keyed by these (src/sandbox/python-env.ts), as node_modules by a lockfile.
  '**/requirements*.txt',
  '**/requirements.lock',
  '**/Gemfile.lock',
  '**/go.sum',
  '**/composer.lock',
];

export const PATH_RULES: PathRule[] = [
  {
    id: 'git-internals',
    globs: ['.git', '.git/**', '**/.git', '**/.git/**', '.gitmodules', '**/.gitattributes'],
    message:
      '.git, .gitmodules and .gitattributes are managed by Loopwright (attributes decide what runs on checkout for everyone who pulls the branch); change files, not git internals',
  },
  {
    id: 'ci-config',
    globs: [
      '.github/workflows/**',
      '.github/actions/**',
      '.gitlab-ci.yml',
      '.circleci/**',
      '.buildkite/**',
      'Jenkinsfile',
      'azure-pipelines.yml',
    ],
    message: 'CI configuration runs with repository secrets; it is never changed by a ticket',
  },
  {
    id: 'credentials',
    globs: [
      '**/.env',
      '**/.env.*',
      '**/*.pem',
      '**/*.key',
      '**/*.p12',
      '**/id_rsa*',
      '**/id_ed25519*',
      '**/id_ecdsa*',
      '**/.npmrc',
      '**/.yarnrc.yml',
      '**/.netrc',
      '**/.pypirc',
      '**/.aws/**',
      '**/.ssh/**',
    ],
    message: 'credential files are never written by a ticket',
  },
  {
    id: 'loopwright-settings',
    globs: ['.loopwright.yml', '.loopwright/**'],
    message: "Loopwright's own settings, skills and review rules are changed by people, not by tickets",
  },
  {
    id: 'dependencies',
    globs: LOCKFILES,
    message:
      'dependency and lockfile changes are not allowed for this repository (allowDependencyChanges is off)',
    unless: 'allowDependencyChanges',
  },
];

/** Test files: deleting, skipping or emptying them is a finding. */
export const TEST_GLOBS = [
  '**/*.test.*',
  '**/*.spec.*',
  '**/__tests__/**',
  'test/**',
  'tests/**',
  '**/test_*.py',
  '**/*_test.go',
  '**/*_test.py',
];

/** Added lines that skip or focus tests. */
export const TEST_SKIP_PATTERNS: { re: RegExp; what: string }[] = [
  { re: /\b(?:it|test|describe|suite)\.(?:skip|todo)\s*\(/, what: 'skips a test' },
  { re: /\b(?:xit|xdescribe|xtest)\s*\(/, what: 'skips a test' },
  { re: /\b(?:it|test|describe)\.only\s*\(/, what: 'focuses a test (the others stop running)' },
  { re: /@pytest\.mark\.skip|@unittest\.skip|t\.Skip\(/, what: 'skips a test' },
];

/** A test declaration, counted in removed vs added lines of a test file. */
export const TEST_DECLARATION = /\b(?:it|test)(?:\.each\([^)]*\))?\s*\(\s*['"`]|\bdef test_|\bfunc Test/g;

/** Assignments of long random-looking strings to secret-sounding names. */
export const SECRET_ASSIGNMENT =
  /(?:secret|token|passw(?:or)?d|api[_-]?key|access[_-]?key|private[_-]?key|auth)[\w-]*["']?\s*[:=]\s*["'`]?([A-Za-z0-9+/_\-.=]{16,})/i;
export const MIN_SECRET_ENTROPY = 3.5;
