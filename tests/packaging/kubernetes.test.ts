import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

/*
 * deploy/kubernetes/ has no cluster to run in here: this parses every manifest and checks what would make it
 * wrong in one (probes on the gateway's real paths and port, the secret only from a Secret, labels that
 * select each other, requests sized from the measured figures, the metrics port the image exposes).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const folder = join(root, 'deploy/kubernetes');

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML, checked field by field below
type Manifest = any;

function manifests(): Manifest[] {
  const all: Manifest[] = [];
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(folder, file), 'utf8'))) {
      expect(doc.errors, file).toEqual([]);
      all.push(doc.toJS());
    }
  }
  return all;
}

const one = (all: Manifest[], kind: string): Manifest => {
  const found = all.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
};

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** A row's cell of docs/benchmarks.md's saturation table: gateway CPU ms per request of an operation. */
function gatewayCpuMs(benchmarks: string, operation: string, server: string): number {
  const row = benchmarks
    .split('\n')
    .map((line) => line.split('|').map((c) => c.trim()))
    .find((cells) => cells[1] === operation && cells[2] === server && cells.length > 7);
  if (row === undefined) throw new Error(`no ${operation} ${server} row in docs/benchmarks.md`);
  return Number(row[6]);
}

describe('deploy/kubernetes', () => {
  const all = manifests();
  const deployment = one(all, 'Deployment');
  const pod = deployment.spec.template;
  const [container] = pod.spec.containers;
  const env: Record<string, Manifest> = Object.fromEntries(
    (container.env as { name: string; value?: string; valueFrom?: unknown }[]).map((e) => [e.name, e]),
  );
  const portNamed = (name: string) =>
    (container.ports as { name: string; containerPort: number }[]).find((p) => p.name === name);

  it('holds a Deployment, a Service, a PodDisruptionBudget and a ServiceMonitor, each with its API version', () => {
    expect(all.map((m) => `${m.apiVersion} ${m.kind}`).sort()).toEqual([
      'apps/v1 Deployment',
      'monitoring.coreos.com/v1 ServiceMonitor',
      'policy/v1 PodDisruptionBudget',
      'v1 Service',
    ]);
    expect(deployment.spec.selector.matchLabels).toEqual(pod.metadata.labels);
  });

  it('probes readiness on /readyz and liveness on /healthz, on the port the gateway listens on', () => {
    expect(env.NODE_ENV.value).toBe('production');
    expect(portNamed('http')?.containerPort).toBe(Number(env.PORT.value));
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    // a pod is given longer to stop than the gateway's own shutdown timeout (10 s)
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(10);
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it('takes FACEGATE_SECRET, WECHAT_APP_SECRET and DATABASE_URL from the Secret, never as values', () => {
    for (const name of ['FACEGATE_SECRET', 'WECHAT_APP_SECRET', 'DATABASE_URL']) {
      expect(env[name], name).toEqual({
        name,
        valueFrom: { secretKeyRef: { name: 'facegate', key: name } },
      });
    }
    expect(JSON.stringify(deployment)).not.toMatch(/postgres:\/\/[^"]*@/);
  });

  it('requests the measured idle memory and the CPU per verification for the rate it is sized for', () => {
    const benchmarks = readFileSync(join(root, 'docs/benchmarks.md'), 'utf8');
    const idle = /^\|\s*gateway-postgres\s*\|\s*(\d+) MiB\s*\|/m.exec(benchmarks);
    expect(idle, 'the idle RSS row in docs/benchmarks.md').not.toBeNull();
    const memoryMi = Number(/^(\d+)Mi$/.exec(container.resources.requests.memory)?.[1]);
    expect(memoryMi).toBeGreaterThanOrEqual(Number(idle![1]) * 1.25);
    expect(memoryMi).toBeLessThanOrEqual(Number(idle![1]) * 2);

    const perVerificationMs =
      gatewayCpuMs(benchmarks, 'startVerification', 'gateway-postgres') +
      gatewayCpuMs(benchmarks, 'confirmVerification', 'gateway-postgres');
    const rate = Number(deployment.metadata.annotations['facegate/sized-for-verifications-per-second']);
    const needed = rate * perVerificationMs; // ms of CPU per second = millicores
    const cpuM = Number(/^(\d+)m$/.exec(container.resources.requests.cpu)?.[1]);
    expect(cpuM).toBeGreaterThanOrEqual(needed);
    expect(cpuM).toBeLessThanOrEqual(needed * 1.5);
    // a memory limit, no CPU limit (throttling shows as latency)
    expect(container.resources.limits.memory).toMatch(/^\d+Mi$/);
    expect(container.resources.limits.cpu).toBeUndefined();
  });

  it('the Service and the PodDisruptionBudget select the pods; the ServiceMonitor scrapes the metrics port', () => {
    const labels = pod.metadata.labels;
    const service = one(all, 'Service');
    expect(selects(service.spec.selector, labels)).toBe(true);
    const pdb = one(all, 'PodDisruptionBudget');
    expect(selects(pdb.spec.selector.matchLabels, labels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);

    // the metrics listener: every interface, on the port the image exposes
    expect(env.METRICS_HOST.value).toBe('0.0.0.0');
    expect(portNamed('metrics')?.containerPort).toBe(Number(env.METRICS_PORT.value));
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE .*\\b${env.METRICS_PORT.value}\\b`, 'm'));
    const metricsPort = (service.spec.ports as { name: string; targetPort: string }[]).find(
      (p) => p.name === 'metrics',
    );
    expect(metricsPort?.targetPort).toBe('metrics');

    const monitor = one(all, 'ServiceMonitor');
    expect(selects(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
  });
});
