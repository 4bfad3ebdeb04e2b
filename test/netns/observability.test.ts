/**
 * Seeing into a pair of directors, with the real neighbours: two keepalived-ts daemons serve
 * --http in their namespaces; the real Prometheus (Debian's) scrapes both from a third namespace,
 * and headless Chromium (Debian's, driven by playwright-core) keeps the backup's live page open.
 * When the master's cable is pulled, Prometheus' HTTP API answers that the other one is MASTER,
 * the page shows the transition without a reload, and `keepalived-ts status` says the same as
 * /metrics. A screenshot of the page after the failover is kept under build/test-artifacts/.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { labUnavailable } from '../../src/lab/lab.js';
import { globalDefs, instance, repo, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const run = promisify(execFile);
const PORT = 9650;
const skip = labUnavailable() ?? (fs.existsSync('/usr/bin/prometheus') ? undefined : 'prometheus is not installed') ?? (fs.existsSync('/usr/bin/chromium') ? undefined : 'chromium is not installed');
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'd2', 'mon'] }, (lab) => (v = lab));

let browser: Browser | undefined;
after(async () => {
  await browser?.close();
});

/** Prometheus' instant query, asked in the monitoring namespace where it listens. */
async function query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const out = await v.lab.exec('mon', 'curl', '-sf', '--get', '--data-urlencode', `query=${expr}`, 'http://127.0.0.1:9090/api/v1/query');
  const body = JSON.parse(out) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  return body.data.result;
}

async function stateOf(host: string): Promise<string | undefined> {
  const r = await query(`keepalived_vrrp_state{instance="${v.lab.host(host).address}:${PORT}"}`);
  return r[0]?.value[1];
}

test('Prometheus scrapes two directors and sees the failover; the live page follows it; status matches /metrics', { skip, timeout: 150_000 }, async (t) => {
  const vip = `${v.lab.spareAddress(160)}/24`;
  const d1 = v.start('d1', globalDefs('obs_d1') + instance({ vrid: 160, priority: 150, vips: [vip] }), { KEEPALIVED_TS_HTTP: `${v.lab.host('d1').address}:${PORT}` });
  const d2 = v.start('d2', globalDefs('obs_d2') + instance({ vrid: 160, priority: 100, vips: [vip] }), { KEEPALIVED_TS_HTTP: `${v.lab.host('d2').address}:${PORT}` });
  await v.waitHolder('d1', ['d1', 'd2'], vip, 20_000);

  // The real Prometheus, scraping both every second.
  const promDir = path.join(v.dir, 'prometheus');
  fs.mkdirSync(promDir, { recursive: true });
  const targets = ['d1', 'd2'].map((h) => `'${v.lab.host(h).address}:${PORT}'`).join(', ');
  fs.writeFileSync(path.join(promDir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: keepalived\n    static_configs:\n      - targets: [${targets}]\n`);
  const prom = v.lab.spawn('mon', '/usr/bin/prometheus', [
    `--config.file=${path.join(promDir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(promDir, 'data')}`,
    '--web.listen-address=127.0.0.1:9090',
    '--log.level=warn',
  ]);
  try {
    await waitFor(async () => (await stateOf('d1').catch(() => undefined)) === '2' && (await stateOf('d2').catch(() => undefined)) === '1', 40_000, 'Prometheus sees d1 MASTER (2) and d2 BACKUP (1)');

    // The backup's page, open before the failover: it must change without a reload.
    const wrapper = path.join(v.dir, 'chromium-in-mon');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${v.lab.host('mon').ns} /usr/bin/chromium "$@"\n`, { mode: 0o755 });
    browser = await chromium.launch({
      executablePath: wrapper,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
    await page.goto(`http://${v.lab.host('d2').address}:${PORT}/`);
    await page.waitForSelector('td.state.BACKUP', { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelector('#conn')?.textContent === 'live', undefined, { timeout: 10_000 });
    const loads = await page.evaluate(() => performance.getEntriesByType('navigation').length);

    await v.lab.cable('d1', false);
    await v.waitHolder('d2', ['d2'], vip, 15_000);
    await page.waitForSelector('td.state.MASTER', { timeout: 15_000 });
    const timeline = await page.locator('#timeline li').allTextContents();
    assert.ok(timeline.some((l) => /BACKUP -> MASTER/.test(l)), `the timeline shows the takeover:\n${timeline.join('\n')}`);
    assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), loads, 'no reload of the page');
    const shots = path.join(repo, 'build/test-artifacts');
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'observability-after-failover.png'), fullPage: true });

    await waitFor(async () => (await stateOf('d2').catch(() => undefined)) === '2', 30_000, "Prometheus' API answers that d2 is MASTER");
    t.diagnostic(`prometheus: d2 keepalived_vrrp_state = ${await stateOf('d2')}`);

    // status (control socket) and /metrics agree.
    const { stdout } = await run(process.execPath, [path.join(repo, 'bin/keepalived-ts'), 'status', '--json', '-p', d2.pidFile]);
    const status = JSON.parse(stdout) as { vrrp: { instances: Array<{ name: string; state: string; effectivePriority: number }> } };
    const metrics = await v.lab.exec('mon', 'curl', '-sf', `http://${v.lab.host('d2').address}:${PORT}/metrics`);
    const fromMetrics = /keepalived_vrrp_state\{iname="VI_1"[^}]*\} (\d)/.exec(metrics)?.[1];
    assert.equal(status.vrrp.instances[0]!.state, 'MASTER');
    assert.equal(fromMetrics, '2');
    assert.match(metrics, new RegExp(`keepalived_vrrp_effective_priority\\{iname="VI_1"[^}]*\\} ${status.vrrp.instances[0]!.effectivePriority}`));
  } finally {
    prom.kill('SIGTERM');
    await v.lab.cable('d1', true);
    await d1.kill('SIGTERM');
    await d2.kill('SIGTERM');
  }
});
