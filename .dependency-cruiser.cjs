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
      from: { path: '^packages/', pathNot: '^packages/(adapters-wechat/src/http|bench|chaos)/' },
      to: { path: 'node_modules/undici/' },
    },
    {
      name: 'only-adapters-postgres-imports-drivers',
      severity: 'error',
      from: { path: '^packages/', pathNot: '^packages/adapters-postgres/' },
      to: { path: 'node_modules/(pg|@electric-sql/pglite)/' },
    },
    {
      name: 'only-gateway-imports-graphql-server-stack',
      severity: 'error',
      from: { path: '^packages/', pathNot: '^packages/(gateway|miniprogram/test)/' },
      to: { path: 'node_modules/(graphql|graphql-yoga|@pothos/[^/]+|tsyringe)/' },
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
      name: 'adapters-do-not-import-each-other-or-the-gateway',
      severity: 'error',
      from: { path: '^packages/(adapters-wechat|adapters-postgres|wechat-sandbox)/src' },
      to: {
        path: '^packages/(gateway|adapters-postgres|adapters-wechat|wechat-sandbox)/',
        pathNot: '^packages/$1/',
      },
    },
    {
      // resolvers authorize, call one use case and map its result: adapters are wired in src/di only
      name: 'resolvers-do-not-import-adapters',
      severity: 'error',
      from: { path: '^packages/gateway/src/schema' },
      to: { path: '^packages/(adapters-wechat|adapters-postgres|wechat-sandbox)/' },
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
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
      mainFields: ['module', 'main', 'types'],
    },
    combinedDependencies: true,
  },
};
