#!/usr/bin/env node
// Checks deploy/ without a cluster, a Grafana or a Prometheus (`npm run check:deploy`; CI runs it after promtool):
//   1. the Grafana dashboard parses, has a title, a ${datasource} Prometheus variable, and panels whose queries name
//      only metrics the service exports;
//   2. the alert rules name only metrics the service exports (promtool checks their syntax and behaviour);
//   3. every manifest listed in deploy/k8s/kustomization.yaml `resources:` validates against the Kubernetes schema of
//      its apiVersion and kind (kubernetes-models), selectors, ports and references agree, and every file in deploy/k8s
//      is listed.
// The exported metrics are read from the source (`new Counter|Gauge|Histogram|Summary({ name: '…' })` in apps/ and
// libs/) plus prom-client's default metrics. Prints what it checked; exits 1 on any problem.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

// kubernetes-models pulls in a module that uses Node's deprecated punycode: keep that warning out of the report.
process.noDeprecation = true;

const ROOT = join(import.meta.dirname, '..');
const DASHBOARD = 'deploy/grafana/channel-service.dashboard.json';
const RULES = 'deploy/prometheus/channel-service.rules.yml';
const K8S = 'deploy/k8s';

const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);
const say = (line) => console.log(line);
const read = (path) => readFileSync(join(ROOT, path), 'utf8');

// prom-client's collectDefaultMetrics() on Linux, as /metrics shows them (histograms with their series suffixes).
const DEFAULT_METRICS = [
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_cpu_seconds_total',
  'process_start_time_seconds',
  'process_resident_memory_bytes',
  'process_virtual_memory_bytes',
  'process_heap_bytes',
  'process_open_fds',
  'process_max_fds',
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_requests',
  'nodejs_active_requests_total',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
  'nodejs_heap_space_size_total_bytes',
  'nodejs_heap_space_size_used_bytes',
  'nodejs_heap_space_size_available_bytes',
  'nodejs_version_info',
  'nodejs_gc_duration_seconds_bucket',
  'nodejs_gc_duration_seconds_sum',
  'nodejs_gc_duration_seconds_count',
];
// Series Prometheus itself writes for every target.
const PROMETHEUS_SERIES = ['up'];

// ---------------------------------------------------------------------------------------------------------------
// The metrics the service exports.

function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) out.push(path);
  }
  return out;
}

function exportedMetrics() {
  const metric =
    /new\s+(Counter|Gauge|Histogram|Summary)\s*(?:<[^>]*>)?\s*\(\s*\{\s*name:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g;
  const custom = new Map();
  let defaults = false;
  for (const file of ['apps', 'libs'].flatMap(sourceFiles)) {
    const text = read(file);
    if (/collectDefaultMetrics\s*\(/.test(text)) defaults = true;
    for (const [, type, name] of text.matchAll(metric)) custom.set(name, type);
  }
  const names = new Set(PROMETHEUS_SERIES);
  if (defaults) for (const name of DEFAULT_METRICS) names.add(name);
  for (const [name, type] of custom) {
    names.add(name);
    if (type === 'Histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'Summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  if (custom.size === 0)
    problem('apps/, libs/', 'no metric definition found: has the way metrics are defined changed?');
  say(
    `Metrics in the source: ${[...custom].map(([name, type]) => `${name} (${type.toLowerCase()})`).join(', ')}` +
      (defaults ? '; and prom-client default metrics' : '; no collectDefaultMetrics()'),
  );
  return names;
}

// ---------------------------------------------------------------------------------------------------------------
// Metric names in a PromQL expression (or a Grafana variable query).

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool']);
const PROMQL_WORDS_ANY_CASE = new Set(['and', 'or', 'unless', 'atan2', 'inf', 'nan']);

function metricNamesIn(expr) {
  // Grafana's label_values(<series selector>, <label>): only the selector names a metric.
  const labelValues = /^\s*label_values\(\s*(.*?)\s*,\s*[a-zA-Z_]\w*\s*\)\s*$/s.exec(expr);
  if (labelValues) expr = labelValues[1];
  else if (/^\s*label_values\(\s*[a-zA-Z_]\w*\s*\)\s*$/.test(expr)) return [];
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // strings (label values)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ') // label lists
    .replace(/\$\{[^}]*\}|\$\w+/g, ' '); // Grafana variables
  const names = [];
  for (const match of stripped.matchAll(/(?<![\w.:$])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const after = stripped.slice(match.index + word.length);
    if (/^\s*\(/.test(after)) continue; // a function or an aggregation
    if (PROMQL_WORDS.has(word) || PROMQL_WORDS_ANY_CASE.has(word.toLowerCase())) continue;
    names.push(word);
  }
  return names;
}

function checkExpr(where, expr, exported, used) {
  if (typeof expr !== 'string' || expr.trim() === '') {
    problem(where, 'no query (expr)');
    return;
  }
  const names = new Set(metricNamesIn(expr));
  if (names.size === 0) problem(where, `the query names no metric: ${expr}`);
  for (const name of names) {
    used.add(name);
    if (!exported.has(name)) problem(where, `"${name}" is not a metric the service exports (query: ${expr})`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 1. The Grafana dashboard.

function checkDashboard(exported) {
  let dashboard;
  try {
    dashboard = JSON.parse(read(DASHBOARD));
  } catch (error) {
    problem(DASHBOARD, `not JSON: ${error.message}`);
    return;
  }
  if (typeof dashboard.title !== 'string' || dashboard.title === '') problem(DASHBOARD, 'no title');
  if (typeof dashboard.schemaVersion !== 'number') problem(DASHBOARD, 'no schemaVersion');
  const variables = dashboard.templating?.list ?? [];
  const datasource = variables.find((v) => v.name === 'datasource');
  if (!datasource || datasource.type !== 'datasource' || datasource.query !== 'prometheus')
    problem(DASHBOARD, 'no `datasource` template variable of type datasource, query prometheus');
  const used = new Set();
  for (const variable of variables.filter((v) => v.type === 'query')) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    checkExpr(`${DASHBOARD} variable ${variable.name}`, query, exported, used);
  }

  if (!Array.isArray(dashboard.panels) || dashboard.panels.length === 0) {
    problem(DASHBOARD, 'no panels');
    return;
  }
  // A collapsed row carries its panels inside it.
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.type === 'row' && Array.isArray(p.panels) ? p.panels : [])]);
  const ids = new Set();
  let queries = 0;
  let charts = 0;
  for (const [index, panel] of panels.entries()) {
    const where = `${DASHBOARD} panel ${JSON.stringify(panel.title ?? `#${index}`)}`;
    if (typeof panel.title !== 'string' || panel.title === '') problem(where, 'no title');
    if (typeof panel.type !== 'string') problem(where, 'no type');
    if (typeof panel.id !== 'number') problem(where, 'no numeric id');
    else if (ids.has(panel.id)) problem(where, `id ${panel.id} is used twice`);
    ids.add(panel.id);
    const grid = panel.gridPos;
    if (!grid || !['h', 'w', 'x', 'y'].every((k) => Number.isInteger(grid[k])))
      problem(where, 'no gridPos {h, w, x, y}');
    else if (grid.x + grid.w > 24) problem(where, 'wider than the 24-column grid');
    if (panel.type === 'row') continue;
    charts += 1;
    if (panel.datasource?.uid !== '${datasource}') problem(where, 'datasource is not ${datasource}');
    if (!Array.isArray(panel.targets) || panel.targets.length === 0) {
      problem(where, 'no targets');
      continue;
    }
    const refIds = new Set();
    for (const target of panel.targets) {
      queries += 1;
      if (refIds.has(target.refId)) problem(where, `refId ${target.refId} is used twice`);
      refIds.add(target.refId);
      if (target.datasource !== undefined && target.datasource?.uid !== '${datasource}')
        problem(`${where} target ${target.refId}`, 'datasource is not ${datasource}');
      checkExpr(`${where} target ${target.refId}`, target.expr, exported, used);
    }
  }
  say(
    `${DASHBOARD}: "${dashboard.title}", ${charts} panels, ${queries} queries; metrics: ${[...used].sort().join(', ')}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// 2. The alert rules' metrics.

function checkRules(exported) {
  let rules;
  try {
    rules = parse(read(RULES));
  } catch (error) {
    problem(RULES, `not YAML: ${error.message}`);
    return;
  }
  const used = new Set();
  let count = 0;
  for (const group of rules?.groups ?? []) {
    for (const rule of group.rules ?? []) {
      count += 1;
      checkExpr(`${RULES} ${rule.alert ?? rule.record}`, rule.expr, exported, used);
    }
  }
  if (count === 0) problem(RULES, 'no rules');
  say(`${RULES}: ${count} rules; metrics: ${[...used].sort().join(', ')}`);
}

// ---------------------------------------------------------------------------------------------------------------
// 3. The Kubernetes base.

const API_VERSION = /^(?:[a-z0-9]+(?:[.-][a-z0-9]+)*\/)?v\d+(?:(?:alpha|beta)\d+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

async function modelFor(apiVersion, kind) {
  if (!API_VERSION.test(apiVersion) || !KIND.test(kind)) return null;
  try {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return typeof module[kind] === 'function' ? module[kind] : null;
  } catch (error) {
    if (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return null;
    throw error;
  }
}

const matches = (selector, labels) =>
  Object.entries(selector ?? {}).length > 0 &&
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);

function checkReferences(objects) {
  const workloads = objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.object.kind));
  for (const { where, object } of objects) {
    const spec = object.spec ?? {};
    const podSpec = spec.template?.spec;
    if (
      spec.selector?.matchLabels &&
      spec.template &&
      !matches(spec.selector.matchLabels, spec.template.metadata?.labels)
    )
      problem(where, 'spec.selector.matchLabels does not match spec.template.metadata.labels');
    for (const container of [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])]) {
      const ports = new Set((container.ports ?? []).map((p) => p.name));
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        const port = container[probe]?.httpGet?.port;
        if (typeof port === 'string' && !ports.has(port))
          problem(where, `container ${container.name}: ${probe} uses port "${port}", which it does not declare`);
      }
    }
    if (object.kind === 'Service') {
      const targets = workloads.filter((w) => matches(spec.selector, w.object.spec?.template?.metadata?.labels));
      if (targets.length === 0) problem(where, 'its selector matches no workload of the base');
      for (const port of spec.ports ?? []) {
        if (typeof port.targetPort !== 'string') continue;
        for (const target of targets) {
          const declared = (target.object.spec.template.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
          if (!declared.some((p) => p.name === port.targetPort))
            problem(where, `targetPort "${port.targetPort}" is not a port of ${target.object.metadata.name}`);
        }
      }
    }
    if (
      object.kind === 'PodDisruptionBudget' &&
      !workloads.some((w) => matches(spec.selector?.matchLabels, w.object.spec?.template?.metadata?.labels))
    )
      problem(where, 'its selector matches no workload of the base');
    if (object.kind === 'HorizontalPodAutoscaler') {
      const ref = spec.scaleTargetRef ?? {};
      if (!workloads.some((w) => w.object.kind === ref.kind && w.object.metadata?.name === ref.name))
        problem(where, `scaleTargetRef ${ref.kind}/${ref.name} is not in the base`);
    }
  }
}

async function checkKubernetes() {
  const kustomizationPath = `${K8S}/kustomization.yaml`;
  let kustomization;
  try {
    kustomization = parse(read(kustomizationPath));
  } catch (error) {
    problem(kustomizationPath, `cannot read it: ${error.message}`);
    return;
  }
  const resources = kustomization?.resources;
  if (!Array.isArray(resources) || resources.length === 0) {
    problem(kustomizationPath, 'no resources: list');
    return;
  }

  const listed = new Set();
  const objects = [];
  for (const resource of resources) {
    if (typeof resource !== 'string' || resource.includes('/') || !/\.ya?ml$/.test(resource)) {
      problem(
        kustomizationPath,
        `resource ${JSON.stringify(resource)}: only YAML files of ${K8S} itself are supported`,
      );
      continue;
    }
    listed.add(resource);
    const path = `${K8S}/${resource}`;
    if (!existsSync(join(ROOT, path))) {
      problem(kustomizationPath, `lists ${resource}, which does not exist`);
      continue;
    }
    for (const [index, document] of parseAllDocuments(read(path)).entries()) {
      const where = `${path} (document ${index + 1})`;
      if (document.errors.length > 0) {
        problem(where, `not YAML: ${document.errors.map((e) => e.message).join('; ')}`);
        continue;
      }
      const object = document.toJS();
      if (object === null || object === undefined) continue;
      const { apiVersion, kind } = object;
      const name = object.metadata?.name;
      const label = `${path}: ${kind}/${name}`;
      if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
        problem(where, 'no apiVersion and kind');
        continue;
      }
      if (typeof name !== 'string' || name === '') problem(where, 'no metadata.name');
      const Model = await modelFor(apiVersion, kind);
      if (!Model) {
        problem(where, `unknown kind ${kind} in apiVersion ${apiVersion}: kubernetes-models has no schema for it`);
        continue;
      }
      if (objects.some((o) => o.object.kind === kind && o.object.metadata?.name === name))
        problem(label, 'defined twice');
      // Kept for the cross-checks below even when invalid, so that one mistake is reported once.
      objects.push({ where: label, object });
      try {
        new Model(object).validate();
        say(`${label} (${apiVersion}): valid`);
      } catch (error) {
        problem(label, `does not match the ${apiVersion} ${kind} schema: ${error.message}`);
      }
    }
  }
  checkReferences(objects);

  for (const entry of readdirSync(join(ROOT, K8S))) {
    if (entry === 'kustomization.yaml') continue;
    if (statSync(join(ROOT, K8S, entry)).isDirectory())
      problem(`${K8S}/${entry}`, 'a directory in the base: keep overlays outside deploy/k8s (docs/kubernetes.md)');
    else if (!listed.has(entry)) problem(`${K8S}/${entry}`, `not listed in ${kustomizationPath} resources:`);
  }
  say(`${kustomizationPath}: ${listed.size} files, ${objects.length} objects`);
}

// ---------------------------------------------------------------------------------------------------------------

const exported = exportedMetrics();
checkDashboard(exported);
checkRules(exported);
await checkKubernetes();

if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s) in deploy/:`);
  for (const line of problems) console.error(`  ${line}`);
  process.exit(1);
}
say('\nAll deploy/ checks passed.');
