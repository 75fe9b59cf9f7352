/**
 * The report opens in a real browser: Debian's Chromium, headless, driven by playwright-core.
 * The page loads from disk with no console error and no request beyond its own file (it is
 * self-contained; a probe page with one external image proves the check bites), every chart
 * is laid out with a non-zero size, and a full-page screenshot is a real PNG of plausible size
 * that is not blank: many colours, and the palette's blue where the charts are.
 *
 * Needs /usr/bin/chromium (or KEEL_CHROMIUM_BIN): `apt-get install -y chromium`; scripts/test.sh
 * installs it (KEEL_NEEDS_CHROMIUM=yes). The screenshots stay in tmp/report-screenshot/ to look at.
 */
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { tempDir, TempDir } from '@keel/testing';
import type { DemoRecord } from './demo.record';
import { renderReportHtml, writeReport } from './report.html';
import { demoRecordFixture, emptyDemoRecord } from './testing/demo-record.fixture';

const CHROMIUM = process.env['KEEL_CHROMIUM_BIN'] ?? '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const VIEWPORT = { width: 1280, height: 900 };
const SHOTS = resolve(__dirname, '../../../../tmp/report-screenshot');

const findChromium = (): string => {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return CHROMIUM;
  } catch {
    throw new Error(
      `Chromium was not found at ${CHROMIUM}: run \`apt-get install -y chromium\` (scripts/test.sh does, with KEEL_NEEDS_CHROMIUM=yes) or set KEEL_CHROMIUM_BIN.`,
    );
  }
};

/** Width and height from a PNG's IHDR chunk; throws unless the bytes are a PNG. */
const pngSize = (png: Buffer): { width: number; height: number } => {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (png.length < 24 || !png.subarray(0, 8).equals(signature) || png.toString('ascii', 12, 16) !== 'IHDR')
    throw new Error(`not a PNG (${png.length} bytes, starts ${png.subarray(0, 8).toString('hex')})`);
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
};

interface Loaded {
  readonly page: Page;
  readonly problems: string[];
  readonly requests: string[];
}

let dir: TempDir;
let context: BrowserContext;

/** Opens a report file, recording console errors, page errors, failed requests and every URL asked for. */
const open = async (file: string): Promise<Loaded> => {
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) =>
    problems.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`),
  );
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, problems, requests };
};

/** The few DOM names the in-page decoder uses (the workspace compiles without the DOM lib). */
interface InPage {
  Image: new () => { src: string; decode(): Promise<void> };
  document: {
    createElement(tag: 'canvas'): {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        drawImage(img: unknown, x: number, y: number): void;
        getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
      } | null;
    };
  };
}

/** Decodes a PNG in the browser itself (a canvas) and counts distinct colours and palette-blue pixels in a region. */
const colours = async (png: Buffer, region: { x: number; y: number; width: number; height: number }) => {
  const page = await context.newPage();
  try {
    return await page.evaluate(
      async ({ b64, region: r }) => {
        const w = globalThis as unknown as InPage;
        const img = new w.Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = w.document.createElement('canvas');
        canvas.width = r.width;
        canvas.height = r.height;
        const ctx = canvas.getContext('2d');
        if (!ctx) throw new Error('no 2d context');
        ctx.drawImage(img, -r.x, -r.y);
        const px = ctx.getImageData(0, 0, r.width, r.height).data;
        const seen = new Set<number>();
        let blue = 0; // #0072B2, the first series colour, give or take antialiasing
        for (let i = 0; i < px.length; i += 4) {
          const [red, g, b] = [px[i] ?? 0, px[i + 1] ?? 0, px[i + 2] ?? 0];
          seen.add((red << 16) | (g << 8) | b);
          if (Math.abs(red - 0x00) < 24 && Math.abs(g - 0x72) < 24 && Math.abs(b - 0xb2) < 24) blue++;
        }
        return { distinct: seen.size, blue };
      },
      { b64: png.toString('base64'), region },
    );
  } finally {
    await page.close();
  }
};

beforeAll(async () => {
  const executablePath = findChromium();
  dir = await tempDir('keel-report-e2e');
  // A fresh, empty profile per run: nothing cached or remembered changes what the page shows.
  context = await chromium.launchPersistentContext(join(dir.path, 'profile'), {
    executablePath,
    headless: true,
    args: FLAGS,
    viewport: VIEWPORT,
    timeout: 60_000,
  });
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  await dir?.cleanup();
});

describe('the report in headless Chromium', () => {
  const record: DemoRecord = demoRecordFixture({ failing: true });
  const charts =
    record.accounts.length +
    new Set(record.accounts.map((a) => a.currency)).size +
    record.positions.length +
    2;

  it('loads with no console error and requests nothing but its own file', async () => {
    const file = writeReport(record, join(dir.path, 'full'));
    const { page, problems, requests } = await open(file);
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(await page.title()).toContain('FAIL');
    expect((await page.locator('#overall').textContent())?.trim()).toBe('FAIL');
    expect(await page.locator('tr.inv-fail').count()).toBe(1);
    await page.close();
  });

  it('lays out every chart with a non-zero size, and a full-page screenshot that is a real, non-blank image', async () => {
    const file = writeReport(record, join(dir.path, 'shot'));
    const { page, problems } = await open(file);
    const svgs = page.locator('svg.chart');
    expect(await svgs.count()).toBe(charts);
    for (let i = 0; i < charts; i++) {
      const box = await svgs.nth(i).boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(200);
      expect(box?.height ?? 0).toBeGreaterThan(100);
    }
    const firstChart = await svgs.first().boundingBox();

    const png = await page.screenshot({ fullPage: true, type: 'png' });
    writeFileSync(join(SHOTS, 'report.png'), png);
    const blank = await context.newPage();
    await blank.goto('about:blank');
    const blankPng = await blank.screenshot({ fullPage: true, type: 'png' });
    await blank.close();

    const { width, height } = pngSize(png);
    expect(width).toBe(VIEWPORT.width);
    expect(height).toBeGreaterThan(3_000); // every section, below one another
    expect(png.length).toBeGreaterThan(20 * blankPng.length);

    // The whole first screen: text, badges, tables. Then the first chart alone: its line is there, in the palette's blue.
    const top = await colours(png, { x: 0, y: 0, width: VIEWPORT.width, height: VIEWPORT.height });
    expect(top.distinct).toBeGreaterThan(50);
    if (!firstChart) throw new Error('the first chart has no box');
    const chart = await colours(png, {
      x: Math.floor(firstChart.x),
      y: Math.floor(firstChart.y),
      width: Math.floor(firstChart.width),
      height: Math.floor(firstChart.height),
    });
    expect(chart.blue).toBeGreaterThan(300);
    expect(problems).toEqual([]);
    process.stdout.write(
      `report screenshot ${width}×${height}, ${(png.length / 1024).toFixed(0)} KiB (blank page ${blankPng.length} B), ` +
        `${top.distinct} colours on the first screen, ${chart.blue} blue pixels in the first chart: ${join(SHOTS, 'report.png')}\n`,
    );
    await page.close();
  });

  it('shows a session where nothing traded without errors, with sized placeholders', async () => {
    const file = writeReport(emptyDemoRecord(), join(dir.path, 'empty'));
    const { page, problems } = await open(file);
    expect(problems).toEqual([]);
    const svgs = page.locator('svg.chart');
    expect(await svgs.count()).toBe(2);
    for (let i = 0; i < 2; i++) expect((await svgs.nth(i).boundingBox())?.height ?? 0).toBeGreaterThan(100);
    writeFileSync(join(SHOTS, 'report-empty.png'), await page.screenshot({ fullPage: true }));
    await page.close();
  });

  it('would notice a page that reached outside its file (the probe: one external image)', async () => {
    const probe = join(dir.path, 'probe.html');
    writeFileSync(
      probe,
      renderReportHtml(record).replace(
        '</main>',
        '<img src="https://example.invalid/pixel.png" alt=""></main>',
      ),
    );
    const { page, problems } = await open(probe);
    expect(problems.join('\n')).toMatch(/example\.invalid/);
    await page.close();
    expect(readFileSync(probe, 'utf8')).toContain('default-src');
  });
});
