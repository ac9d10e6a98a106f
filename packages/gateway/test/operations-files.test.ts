import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestGateway, type TestGateway } from './support/test-gateway';

/*
 * The files an operator deploys beside the gateway (deploy/prometheus/alerts.yml, deploy/grafana/facegate.json)
 * read only series the gateway really exports: compared with a real scrape, so a renamed metric fails here.
 */
const root = fileURLToPath(new URL('../../..', import.meta.url));
const ALERTS = `${root}deploy/prometheus/alerts.yml`;
const ALERT_TESTS = `${root}deploy/prometheus/alerts.test.yml`;
const DASHBOARD = `${root}deploy/grafana/facegate.json`;

/** The series names a scrape can hold: each `# TYPE` (with a histogram's and a summary's own suffixes). */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${name}${s}`);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(`${name}${s}`);
  }
  return names;
}

/** The gateway series a PromQL expression names (label names and values never start with facegate_). */
const seriesIn = (expr: string): string[] => [...expr.matchAll(/\bfacegate_[a-zA-Z0-9_]+/g)].map((m) => m[0]);

interface AlertRule {
  alert: string;
  expr: string;
  labels?: { severity?: string };
  annotations?: { summary?: string; description?: string };
}

describe('deploy/: alert rules and the Grafana dashboard', () => {
  let t: TestGateway;
  let exported: Set<string>;
  beforeAll(async () => {
    t = await startTestGateway({ database: 'pglite' });
    exported = exportedNames(await (await t.gateway.fetch('http://gateway/metrics')).text());
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the scrape holds the series the operations guide names', () => {
    for (const name of [
      'facegate_upstream_errcodes_total',
      'facegate_upstream_token_refresh_failures_total',
      'facegate_webhook_attempts_total',
      'facegate_webhook_endpoints_disabled_total',
      'facegate_outbox_lag_seconds',
      'facegate_database_up',
      'facegate_abuse_refusals_total',
    ]) {
      expect(exported, name).toContain(name);
    }
  });

  it('every alert rule reads only exported series, and covers what an operator must act on', () => {
    const file = parse(readFileSync(ALERTS, 'utf8')) as { groups: { rules: AlertRule[] }[] };
    const rules = file.groups.flatMap((g) => g.rules);
    for (const rule of rules) {
      const series = seriesIn(rule.expr);
      expect(series.length, rule.alert).toBeGreaterThan(0);
      for (const name of series) expect(exported, `${rule.alert}: ${name}`).toContain(name);
      expect(rule.labels?.severity, rule.alert).toMatch(/^(warning|critical)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
    const read = new Set(rules.flatMap((r) => seriesIn(r.expr)));
    for (const name of [
      'facegate_upstream_errcodes_total', // WeChat errors by code
      'facegate_upstream_token_refresh_failures_total', // token refresh failures
      'facegate_webhook_attempts_total', // webhook endpoints failing
      'facegate_outbox_lag_seconds', // outbox lag
      'facegate_database_up', // database unavailable
      'facegate_abuse_refusals_total', // abuse refusals spiking
    ]) {
      expect(read, name).toContain(name);
    }
  });

  it('every dashboard query reads only exported series', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      uid: string;
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.uid).toBe('facegate');
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const series = seriesIn(expr);
        expect(series.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const name of series) expect(exported, `${panel.title}: ${name}`).toContain(name);
      }
    }
  });

  it('promtool accepts the rules, and its unit tests see each alert fire', () => {
    // never skipped for want of the tool: `bash scripts/ensure-promtool.sh` installs it (.ci/run does)
    const version = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    if (version.error) {
      throw new Error(
        'promtool not found: run `bash scripts/ensure-promtool.sh` (apt-get install prometheus)',
      );
    }
    const check = spawnSync('promtool', ['check', 'rules', ALERTS], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
    const unit = spawnSync('promtool', ['test', 'rules', ALERT_TESTS], { encoding: 'utf8' });
    expect(unit.status, unit.stdout + unit.stderr).toBe(0);
  });
});
