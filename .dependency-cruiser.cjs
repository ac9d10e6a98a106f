// FaceGate's package boundaries (see README "Architecture"): everything points at domain, domain at nothing.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment:
        'domain runs in Node and inside the mini program: no packages, no Node built-ins, no other FaceGate package',
      severity: 'error',
      from: {
        path: '^packages/domain/src',
        pathNot: '^packages/domain/src/testing/repository-contract\\.ts$',
      },
      to: {
        pathNot: '^packages/domain/src',
      },
    },
    {
      name: 'domain-repository-contract-imports-only-vitest',
      comment:
        'the shared repository contract suite is test code: it may import vitest, nothing else outside domain',
      severity: 'error',
      from: { path: '^packages/domain/src/testing/repository-contract\\.ts$' },
      to: { pathNot: '^(packages/domain/src|node_modules/(vitest|@vitest)/)' },
    },
    {
      name: 'only-adapters-wechat-http-imports-undici',
      severity: 'error',
      // the webhook sender is the gateway's one outbound HTTP adapter (pinned, SSRF-checked connections)
      from: {
        path: '^packages/',
        pathNot:
          '^packages/(adapters-wechat/src/http/|bench/|chaos/|gateway/src/infrastructure/webhooks/webhook-sender\\.ts$)',
      },
      to: { path: 'node_modules/undici/' },
    },
    {
      name: 'only-adapters-postgres-imports-drivers',
      severity: 'error',
      // the bench's REST peer is what an integrator would write without FaceGate: it talks to pg itself;
      // driver-cost measures pg and the postgres package against each other
      from: {
        path: '^packages/',
        pathNot: '^packages/(adapters-postgres|bench/src/baselines|bench/src/driver-cost)/',
      },
      to: { path: 'node_modules/(pg|postgres|@electric-sql/pglite)/' },
    },
    {
      name: 'only-gateway-imports-graphql-server-stack',
      severity: 'error',
      // the bench's frame floor is a bare yoga + Pothos server to measure the gateway against
      from: {
        path: '^packages/',
        pathNot: '^packages/(gateway|miniprogram/test|miniprogram-sdk/test|bench/src/baselines)/',
      },
      to: { path: 'node_modules/(graphql|graphql-yoga|@pothos/[^/]+|tsyringe)/' },
    },
    {
      name: 'only-the-tracing-bootstrap-loads-the-opentelemetry-sdk',
      comment:
        'code that makes spans uses @opentelemetry/api (no-op without an SDK); the SDK, its exporters and resources are loaded in one place, only when OTEL_* turn tracing on',
      severity: 'error',
      from: {
        path: '^packages/',
        pathNot: '^packages/gateway/src/infrastructure/observability/tracing\\.ts$',
      },
      to: { path: 'node_modules/@opentelemetry/(?!api/)' },
    },
    {
      name: 'jsapi-has-no-node-imports',
      severity: 'error',
      from: { path: '^packages/adapters-wechat/src/jsapi' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'jsapi-does-not-import-http',
      severity: 'error',
      from: { path: '^packages/adapters-wechat/src/jsapi' },
      to: { path: '^packages/adapters-wechat/src/http' },
    },
    {
      name: 'miniprogram-never-imports-http-adapter-or-server-packages',
      severity: 'error',
      from: { path: '^packages/miniprogram/src' },
      to: { path: '^packages/(adapters-wechat/src/http|adapters-postgres|gateway|wechat-sandbox)/' },
    },
    {
      name: 'miniprogram-sdk-imports-only-domain-and-jsapi',
      comment:
        'the SDK runs inside WeChat: domain and adapters-wechat/jsapi only, never /http, the server packages or Node',
      severity: 'error',
      from: { path: '^packages/miniprogram-sdk/src' },
      to: {
        pathNot: '^packages/(miniprogram-sdk/src|domain/src|adapters-wechat/src/jsapi)/',
      },
    },
    {
      name: 'miniprogram-sdk-has-no-node-imports',
      severity: 'error',
      from: { path: '^packages/miniprogram-sdk/src' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'adapters-do-not-import-each-other-or-the-gateway',
      severity: 'error',
      from: { path: '^packages/(adapters-wechat|adapters-postgres|wechat-sandbox)/src' },
      to: {
        path: '^packages/(gateway|adapters-postgres|adapters-wechat|wechat-sandbox)/',
        pathNot: '^packages/$1/',
      },
    },
    {
      name: 'console-talks-to-the-gateway-only-over-http',
      comment:
        'the operator console is a browser page: it reaches the gateway through /graphql, never by import',
      severity: 'error',
      from: { path: '^packages/console/src' },
      to: { path: '^packages/(gateway|adapters-wechat|adapters-postgres|wechat-sandbox|bench|chaos)/' },
    },
    {
      // The gateway is a composition root over ports: only the container (and the CLI's entry points, which
      // open the database or start the sandbox themselves) may name an adapter or the sandbox, type-only
      // imports included. Everything else sees the domain's ports and types.
      name: 'gateway-only-composition-root-imports-adapters',
      severity: 'error',
      from: { path: '^packages/gateway/src', pathNot: '^packages/gateway/src/(composition|cli)/' },
      to: { path: '^packages/(adapters-wechat|adapters-postgres|wechat-sandbox)/' },
    },
    {
      name: 'production-code-loads-no-test-support',
      comment:
        'testing entries (src/testing.ts, src/testing/) and @facegate/test-support serve tests: what runs in production never loads them (adapters-postgres/testing reads the environment when imported)',
      severity: 'error',
      from: {
        path: '^packages/(domain|adapters-wechat|adapters-postgres|wechat-sandbox|gateway|console|miniprogram-sdk|miniprogram)/src',
        pathNot: '^packages/[^/]+/src/testing(\\.ts$|/)',
      },
      to: { path: '(^packages/[^/]+/src/testing(\\.ts$|/)|^packages/test-support/)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^packages/[^/]+/src' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(\\.tsbuild|/dist/|/coverage/)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      // 'source': workspace packages resolve to their TypeScript, so the rules see src/ paths, not dist/
      conditionNames: ['source', 'import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
      mainFields: ['module', 'main', 'types'],
    },
    combinedDependencies: true,
  },
};
