import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The balancer the dev server's proxy forwards the page's API calls to. */
const balancer = process.env.QUORUM_BALANCER ?? 'http://127.0.0.1:7100';

// The balancer serves dist/ at `/`; a relative base also works behind a path prefix.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  resolve: {
    alias: [
      // The protocol's codecs compile validators with `new Function`, which the page's CSP
      // (no 'unsafe-eval') refuses: the bundle checks with TypeBox's interpreter instead.
      {
        find: /^@sinclair\/typebox\/compiler$/,
        replacement: fileURLToPath(new URL('./src/lib/typebox-compiler.ts', import.meta.url)),
      },
    ],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No source map in the production build: it would publish ~2 MB of the page's sources to
    // anyone (the balancer refuses *.map as well). Debug with the dev server (`npx vite`).
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // The page talks only to its own origin (src/lib/doors.ts), so in development that origin
    // forwards the balancer's API: `QUORUM_BALANCER=http://host:port npx vite`.
    proxy: {
      '/assign': balancer,
      '/cluster': balancer,
      '/health': balancer,
    },
  },
});
