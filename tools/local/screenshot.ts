import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/** Debian's Chromium (`make chromium` installs it); CHROMIUM overrides. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps dialling Google's hosts, which a closed network refuses.
const QUIET_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ReportRendering {
  png: Buffer;
  /** Page width the content needs: wider than the viewport means it scrolls sideways. */
  scrollWidth: number;
  viewportWidth: number;
  /** Rendered size of each chart, by its title. */
  charts: { title: string; width: number; height: number }[];
}

/** Opens the demo's HTML report in headless Chromium and takes a full-page screenshot. */
export async function renderReport(htmlPath: string, viewportWidth = 1100): Promise<ReportRendering> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: run make chromium, or set CHROMIUM`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: QUIET_FLAGS });
  try {
    const page = await browser.newPage({ viewport: { width: viewportWidth, height: 900 } });
    await page.goto(pathToFileURL(htmlPath).href);
    const charts = [];
    for (const svg of await page.locator('svg').all()) {
      const box = await svg.boundingBox();
      const title = (await svg.locator('title').first().textContent()) ?? '';
      charts.push({ title, width: box?.width ?? 0, height: box?.height ?? 0 });
    }
    const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
    const png = await page.screenshot({ fullPage: true });
    return { png, viewportWidth, scrollWidth, charts };
  } finally {
    await browser.close();
  }
}
