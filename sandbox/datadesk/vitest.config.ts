import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['src/**/*.test.ts'], environment: 'node' },
      },
      {
        // Starts the dev server and drives Chromium: slow, run with `npm run test:smoke`.
        test: { name: 'smoke', include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 90_000 },
      },
    ],
  },
});
