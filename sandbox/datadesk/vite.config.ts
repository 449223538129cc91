import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// PORT is set by whoever starts the app (Loopwright, CI, a teammate). Fixed host so
// the URL is predictable; strictPort so a busy port fails loudly instead of drifting.
const port = Number(process.env.PORT) || 5173;

export default defineConfig({
  plugins: [react()],
  server: { port, strictPort: true, host: '127.0.0.1' },
  preview: { port, strictPort: true, host: '127.0.0.1' },
  // Pre-bundle the heavy deps up front so the first page load does not trigger a
  // re-optimisation + full reload when recharts is discovered late.
  optimizeDeps: {
    include: ['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'react/jsx-dev-runtime', 'recharts'],
  },
  build: { chunkSizeWarningLimit: 1200 },
});
