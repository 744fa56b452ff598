/**
 * The app in a real browser: headless Debian Chromium driven by playwright-core
 * logs in, reloads, and sees the counter go up, on one instance and then on a
 * second one sharing the memcached. Screenshots go to test-artifacts/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MemcachedInstance, startMemcached } from '@memkit/testing';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunningApp } from '../src/main';
import { startApp } from './helpers';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', 'test-artifacts');

let mc: MemcachedInstance;
let a: RunningApp;
let b: RunningApp;
let context: BrowserContext;
let profile: string;

beforeAll(async () => {
  // No browser is a failure, never a skip: a CI without Chromium would prove nothing here.
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install the Debian package (apt-get install -y chromium) or set CHROMIUM_BIN`,
    );
  }
  mc = await startMemcached({ memoryMb: 16 });
  a = await startApp([mc.address]);
  b = await startApp([mc.address]);
  profile = await mkdtemp(join(tmpdir(), 'memkit-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 900, height: 640 },
  });
  await mkdir(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await a?.close();
  await b?.close();
  await mc?.stop();
});

test('log in, reload, and the counter increments; the other instance continues it', async () => {
  const page = await context.newPage();
  await page.goto(a.url);
  await page.fill('#name', 'Chromium');
  await page.click('#login');
  await page.waitForSelector('#visits');
  expect(await page.textContent('#user')).toBe('Chromium');
  expect(await page.textContent('#visits')).toBe('1');

  await page.reload();
  expect(await page.textContent('#visits')).toBe('2');
  await page.reload();
  expect(await page.textContent('#visits')).toBe('3');
  await page.screenshot({ path: join(ARTIFACTS, 'browser-counter.png'), fullPage: true });

  // Cookies are per host, not per port: the same browser session reaches instance b.
  await page.goto(b.url);
  expect(await page.textContent('#instance')).toBe(`127.0.0.1:${b.port}`);
  expect(await page.textContent('#visits')).toBe('4');
  await page.screenshot({ path: join(ARTIFACTS, 'browser-second-instance.png'), fullPage: true });

  await page.goto(`${b.url}sessions`);
  expect(await page.textContent('#sessions')).toContain('Chromium');
  await page.screenshot({ path: join(ARTIFACTS, 'browser-sessions.png'), fullPage: true });

  await page.goto(b.url);
  await page.click('#logout');
  await page.waitForSelector('#login');
  await page.goto(a.url);
  expect(await page.isVisible('#login')).toBe(true);
  expect(existsSync(join(ARTIFACTS, 'browser-counter.png'))).toBe(true);
}, 60_000);
