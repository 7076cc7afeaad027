import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The console is served by the gateway under /console (services/gateway/src/console-static.ts), so every asset URL
 * starts with it. Workspace libraries are bundled from their TypeScript sources (only pure ones: libs/domain).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  resolve: {
    alias: [
      // The paging contract alone: the contracts' barrel also holds Node-only code (node:crypto).
      {
        find: /^@ledgerflow\/contracts\/pages$/,
        replacement: fileURLToPath(new URL('../../libs/contracts/src/pages.ts', import.meta.url)),
      },
      {
        find: /^@ledgerflow\/(domain|contracts)$/,
        replacement: fileURLToPath(new URL('../../libs/$1/src/index.ts', import.meta.url)),
      },
    ],
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2500 },
});
