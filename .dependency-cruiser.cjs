/**
 * The floors of keepalived-ts as import rules (see ARCHITECTURE.md), checked by
 * dependency-cruiser from test/architecture.test.ts. From the ground up:
 *   base | config | vrrp, sim | os | check, lb | daemon | cli, lab
 * Each floor imports only downward (os may name a few upper types); nothing imports in a circle.
 * By hand: npx depcruise src --config .dependency-cruiser.cjs
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'base-imports-nothing-of-ours',
      comment: 'src/base is the ground floor: only node: modules, and itself.',
      severity: 'error',
      from: { path: '^src/base/' },
      to: { path: '^src/', pathNot: '^src/base/' },
    },
    {
      name: 'lower-floors-not-daemon-or-cli',
      comment: 'config, vrrp, sim, os, check and lb serve the daemon; they never call up into it or the command line.',
      severity: 'error',
      from: { path: '^src/(base|config|vrrp|sim|os|check|lb)/' },
      to: { path: '^src/(daemon|cli|lab)/' },
    },
    {
      name: 'os-not-protocol-or-config',
      comment: 'os touches the host; it takes its helpers from base, never from the protocol core.',
      severity: 'error',
      from: { path: '^src/os/' },
      to: { path: '^src/(vrrp|sim)/' },
    },
    {
      name: 'os-upper-types-only',
      comment: 'os may name the shapes it serves (a config address or route, a checker dialer) but runs none of their code.',
      severity: 'error',
      from: { path: '^src/os/' },
      to: { path: '^src/(config|check|lb)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'config-is-the-front-end',
      comment: 'config reads text into the model; it needs nothing above base.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/(vrrp|sim|os|check|lb)/' },
    },
    {
      name: 'protocol-core-is-pure',
      comment: 'vrrp (the state machine and codec) and sim (it replayed on a simulated segment) touch no host and know no checker or balancer.',
      severity: 'error',
      from: { path: '^src/(vrrp|sim)/' },
      to: { path: '^src/(os|check|lb)/' },
    },
    {
      name: 'vrrp-config-types-only',
      comment: 'The engine takes parameters built from the model (vrrp/from-config.ts) but runs no config code.',
      severity: 'error',
      from: { path: '^src/vrrp/' },
      to: { path: '^src/config/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'vrrp-not-sim',
      comment: 'sim drives the engine; the engine does not know it is simulated.',
      severity: 'error',
      from: { path: '^src/vrrp/' },
      to: { path: '^src/sim/' },
    },
    {
      name: 'checkers-and-balancer-apart',
      comment: 'check and lb are siblings: each takes from base, config and os, and neither from the protocol core or the other; the daemon joins them.',
      severity: 'error',
      from: { path: '^src/(check|lb)/' },
      to: { path: '^src/(vrrp|sim)/' },
    },
    {
      name: 'check-not-lb',
      severity: 'error',
      from: { path: '^src/check/' },
      to: { path: '^src/lb/' },
    },
    {
      name: 'lb-not-check',
      severity: 'error',
      from: { path: '^src/lb/' },
      to: { path: '^src/check/' },
    },
    {
      name: 'daemon-not-cli',
      comment: 'The command line depends on the daemon, never the reverse: the daemon takes Options from base.',
      severity: 'error',
      from: { path: '^src/daemon/' },
      to: { path: '^src/(cli|lab)/' },
    },
    {
      name: 'no-circular',
      comment: 'No import circles, type-only ones included: a circle means two files are one idea or a type is in the wrong file.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-test-or-bench',
      comment: 'Production code never imports tests or benchmarks.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js'],
    },
  },
};
