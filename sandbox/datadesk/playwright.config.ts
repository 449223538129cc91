import { defineConfig } from '@playwright/test';

// End-to-end tests in e2e/ (Loopwright adds each proven change's proof there).
// BASE_URL points them at a running app; without it they start the dev server.
const port = Number(process.env.PORT ?? 5173);

export default defineConfig({
  testDir: 'e2e',
  use: { baseURL: process.env.BASE_URL ?? `http://127.0.0.1:${port}` },
  webServer: process.env.BASE_URL
    ? undefined
    : { command: 'npm run dev', url: `http://127.0.0.1:${port}`, reuseExistingServer: true },
});
