// No "type": "module" in package.json on purpose: Vite 8 gives a CommonJS module's
// module.exports as the default import to importers in type-module packages, and
// WatermelonDB ships Babel-compiled CommonJS (exports.default + __esModule).
// The field app is served by Kuzet at /app/ (backend/field_app). The service worker
// (vite-plugin-pwa → Workbox) precaches the shell and every asset, so after the first load
// the app opens with no network at all; API and WebSocket traffic never goes through it.
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

export default defineConfig({
  base: '/app/',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    target: 'es2020',
    outDir: 'dist',
    emptyOutDir: true,
    // The browser suite and docs/field-app.md read the sizes; no source maps shipped to phones.
    sourcemap: false,
    reportCompressedSize: true,
  },
  plugins: [
    VitePWA({
      // Registered by src/main.jsx: no inline script (the pages run under a strict CSP).
      injectRegister: false,
      registerType: 'autoUpdate',
      strategies: 'generateSW',
      scope: '/app/',
      base: '/app/',
      filename: 'sw.js',
      manifestFilename: 'manifest.webmanifest',
      manifest: {
        id: '/app/',
        name: 'Kuzet — field',
        short_name: 'Kuzet',
        description: 'Assignments, milestones and SOS for patrol officers, offline first',
        lang: 'ru',
        start_url: '/app/',
        scope: '/app/',
        display: 'standalone',
        orientation: 'portrait',
        background_color: '#10223a',
        theme_color: '#10223a',
        icons: [
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
        ],
      },
      workbox: {
        // The manifest's icons are added by the plugin itself (includeManifestIcons).
        globPatterns: ['**/*.{js,css,html,webmanifest}'],
        navigateFallback: '/app/index.html',
        navigateFallbackAllowlist: [/^\/app\//],
        // One file: no second request for the Workbox runtime on a 2G link.
        inlineWorkboxRuntime: true,
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
        // A tap on a call's system notification opens that call (src/ringer.js).
        importScripts: ['notify-sw.js'],
      },
    }),
  ],
  test: {
    environment: 'node',
    include: ['test/**/*.test.{js,jsx}'],
  },
})
