import { defaultClientConditions, defineConfig } from 'vite';

// Served by the gateway at /console/ under a CSP without 'unsafe-inline': every script and style is a file.
export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  // @facegate/domain (the failure taxonomy) is bundled from its TypeScript source, as tsc and the tests read it
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // no data: URIs for fonts or images in CSS: files only
    assetsInlineLimit: 0,
    target: 'es2022',
    modulePreload: { polyfill: false },
  },
});
