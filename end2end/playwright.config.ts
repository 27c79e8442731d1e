import { defineConfig, devices } from '@playwright/test';

// Debian's Chromium, never a downloaded browser. The server is started by
// scripts/test.sh (fresh SQLite database with the demo market) and passed in BASE_URL.
const launchOptions = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
};
const desktop = { viewport: { width: 1280, height: 800 }, launchOptions };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
  userAgent: devices['Pixel 7'].userAgent, launchOptions };

export default defineConfig({
  testDir: './tests',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  // one browser at a time: the machine has 2 cores and also runs the server
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: { baseURL: process.env.BASE_URL ?? 'http://127.0.0.1:3000', locale: 'zh-CN', trace: 'off' },
  projects: [
    { name: 'desktop', use: desktop, grepInvert: /@nojs|@phone/ },
    { name: 'phone', use: phone, grepInvert: /@nojs/ },
    { name: 'desktop-nojs', use: { ...desktop, javaScriptEnabled: false }, grep: /@nojs/, grepInvert: /@phone/ },
    { name: 'phone-nojs', use: { ...phone, javaScriptEnabled: false }, grep: /@nojs/ },
  ],
});
