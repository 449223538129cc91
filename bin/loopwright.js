#!/usr/bin/env node
// Loopwright needs Node 24 (TypeScript type stripping). npm scripts and `npx loopwright` put the
// project's own Node 24 (the `node` devDependency) first on PATH; anything older gets a clear error.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(
    `loopwright: Node ${process.versions.node} is too old; Node 24 is required.\n` +
      "  Run it through npm (`npx loopwright …` or `npm run loopwright -- …`), which uses the project's Node 24,\n" +
      '  or install Node 24.',
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
