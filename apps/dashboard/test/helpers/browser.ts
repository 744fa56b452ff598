/**
 * Headless Debian Chromium through playwright-core (no browser download): a
 * fresh profile directory per launch, removed on close.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** The system browser (`apt-get install chromium`). */
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A browser context and how to get rid of it. */
export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh `--user-data-dir`. */
export async function launchBrowser(viewport = { width: 1400, height: 1000 }): Promise<Browser> {
  // No browser is a failure with a clear reason, never a skip.
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install the Debian package (apt-get install -y chromium) or set CHROMIUM_BIN`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'memkit-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
