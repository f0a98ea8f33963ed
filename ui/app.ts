/**
 * The live page (bundled with cytoscape by scripts/build-ui.mjs into dist/ui/app.js; served by the
 * agent). It talks only to its own origin with the session cookie the login link set: the JSON API
 * for deployments, graph, hosts, logs and history, and `/v1/events` (SSE) for live states.
 * Every value from the API goes into the page as text (textContent), never as HTML.
 */
import cytoscape from 'cytoscape';
import type { Core, ElementDefinition } from 'cytoscape';

interface NodeView {
  id: string;
  template: string;
  type: string;
  host: string;
  hostId?: string;
  state: string;
  message?: string;
  hint?: string;
  restarts?: number;
  generation?: number;
  desiredGeneration?: number;
  stderrTail?: string[];
  properties: Record<string, unknown>;
  attributes: Record<string, unknown>;
  endpoints: Record<string, unknown>;
}
interface Graph {
  name: string;
  state: string;
  generation?: number;
  nodes: NodeView[];
  edges: { id: string; source: string; target: string; requirement?: string }[];
  pendingUpdate?: { generation: number; plan: { changes: { action: string; node: string; reason: string; properties?: { name: string; from?: string; to?: string }[] }[] } };
}
interface HostView {
  id: string;
  name: string;
  address: string;
  connected: boolean;
  lastSeen: string;
  capabilities?: string[];
}
interface AgentEvent {
  type: string;
  at: number;
  deployment?: string;
  node?: string;
  host?: string;
  from?: string;
  to?: string;
  message?: string;
}
interface HistoryRecord {
  at: number;
  node: string;
  host: string;
  generation: number;
  changes: { field: string; old?: unknown; new?: unknown; note?: string }[];
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
let csrf = '';
let current: string | undefined;
let selected: string | undefined;
let graph: Graph | undefined;
let cy: Core | undefined;
let refetch: ReturnType<typeof setTimeout> | undefined;

function showError(text: string | undefined): void {
  const box = $('error');
  box.hidden = text === undefined;
  box.textContent = text ?? '';
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.method !== undefined && init.method !== 'GET') headers['x-khutulun-csrf'] = csrf;
  const res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  if (res.status === 401) {
    // The session ended (expired, agent restarted): the page says so instead of showing stale data.
    document.location.reload();
    throw new Error('not logged in');
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
    throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status} on ${path}`);
  }
  return (await res.json()) as T;
}

const enc = encodeURIComponent;
const short = (id: string): string => id.split('/').pop() ?? id;
/** A value as a person reads it: strings bare, TOSCA scalars as `10 s`, the rest as JSON. */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  const scalar = v as { $custom?: string; value?: { amount?: unknown; unit?: unknown } } | null;
  if (scalar?.$custom === 'tosca:scalar' && scalar.value) return `${String(scalar.value.amount)} ${String(scalar.value.unit)}`;
  return JSON.stringify(v);
}

function badge(el: HTMLElement, state: string): void {
  el.textContent = state;
  el.className = `badge state-${state}`;
}

function fillTable(table: HTMLTableElement, rows: readonly (readonly string[])[], head?: readonly string[]): void {
  table.replaceChildren();
  if (head) {
    const tr = table.insertRow();
    for (const h of head) {
      const th = document.createElement('th');
      th.textContent = h;
      tr.append(th);
    }
  }
  if (rows.length === 0) {
    table.insertRow().insertCell().textContent = '(none)';
    return;
  }
  for (const row of rows) {
    const tr = table.insertRow();
    for (const cell of row) tr.insertCell().textContent = cell;
  }
}

const COLORS: Record<string, string> = { started: '#2e8540', failing: '#c62828', error: '#c62828', failed: '#c62828', stopped: '#546e7a', deleted: '#546e7a', stopping: '#546e7a' };
const colorOf = (state: string): string => COLORS[state] ?? '#d08a00';

function elements(g: Graph): ElementDefinition[] {
  const hosts = [...new Set(g.nodes.map((n) => n.host))];
  return [
    ...hosts.map((h) => ({ data: { id: `host:${h}`, label: `host ${h}` }, classes: 'host' })),
    ...g.nodes.map((n) => ({ data: { id: n.id, parent: `host:${n.host}`, label: `${short(n.id)}\n${n.state}`, state: n.state, color: colorOf(n.state) }, classes: 'node' })),
    ...g.edges.map((e) => ({ data: { id: `edge:${e.id}`, source: e.source, target: e.target, label: e.requirement ?? '' } })),
  ];
}

function draw(g: Graph): void {
  $('graph-empty').hidden = true;
  cy?.destroy();
  cy = cytoscape({
    container: $('graph'),
    elements: elements(g),
    style: [
      { selector: 'node.node', style: { label: 'data(label)', 'text-wrap': 'wrap', 'text-valign': 'center', color: '#fff', 'background-color': 'data(color)', shape: 'round-rectangle', width: 110, height: 46, 'font-size': 12 } },
      { selector: 'node.host', style: { label: 'data(label)', 'text-valign': 'top', 'background-color': '#e8ecf0', 'border-color': '#b8c1ca', 'border-width': 1, color: '#546e7a', 'font-size': 11 } },
      { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#1d2329' } },
      { selector: 'edge', style: { label: 'data(label)', 'font-size': 10, color: '#7a8591', 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'line-color': '#9aa5b1', 'target-arrow-color': '#9aa5b1', width: 1.5 } },
    ],
    layout: { name: 'cose', animate: false, randomize: false, nodeDimensionsIncludeLabels: true },
    wheelSensitivity: 0.3,
    // A graph of one or two nodes is not blown up to fill the pane.
    maxZoom: 1.3,
    minZoom: 0.1,
  });
  cy.on('tap', 'node.node', (e) => void select(e.target.id() as string));
  if (selected !== undefined) cy.getElementById(selected).select();
}

async function loadGraph(): Promise<void> {
  if (current === undefined) return;
  const g = await api<Graph>(`/v1/deployments/${enc(current)}/graph`);
  const sameShape = graph !== undefined && graph.name === g.name && JSON.stringify(graph.nodes.map((n) => [n.id, n.host])) === JSON.stringify(g.nodes.map((n) => [n.id, n.host])) && graph.edges.length === g.edges.length;
  graph = g;
  badge($('deployment-state'), g.state);
  if (sameShape && cy) for (const n of g.nodes) setNodeState(n.id, n.state);
  else draw(g);
  showUpdate(g);
  if (selected !== undefined) showFacts();
}

function setNodeState(id: string, state: string): void {
  const el = cy?.getElementById(id);
  if (!el || el.empty()) return;
  el.data({ state, label: `${short(id)}\n${state}`, color: colorOf(state) });
  const n = graph?.nodes.find((x) => x.id === id);
  if (n) n.state = state;
  if (id === selected) showFacts();
}

function showUpdate(g: Graph): void {
  const u = g.pendingUpdate;
  $('update').hidden = u === undefined;
  const list = $('update-changes');
  list.replaceChildren();
  for (const c of u?.plan.changes ?? []) {
    const li = document.createElement('li');
    li.textContent = `${c.action} ${short(c.node)} (${c.reason})${(c.properties ?? []).map((p) => `; ${p.name}: ${p.from ?? '(unset)'} → ${p.to ?? '(unset)'}`).join('')}`;
    list.append(li);
  }
}

function showFacts(): void {
  const n = graph?.nodes.find((x) => x.id === selected);
  if (!n) return;
  $('details').hidden = false;
  $('node-title').textContent = n.id;
  const facts: [string, string][] = [
    ['state', n.state],
    ['template', n.template],
    ['type', n.type],
    ['host', n.host],
    ['restarts', String(n.restarts ?? 0)],
    ['generation', `${n.generation ?? '-'} (desired ${n.desiredGeneration ?? '-'})`],
    ...(n.message ? [['message', n.message] as [string, string]] : []),
    ...(n.hint ? [['hint', n.hint] as [string, string]] : []),
  ];
  const dl = $('node-facts');
  dl.replaceChildren();
  for (const [k, v] of facts) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    if (k === 'state') dd.id = 'node-state';
    dl.append(dt, dd);
  }
  const rows = (o: Record<string, unknown>): string[][] => Object.entries(o).map(([k, v]) => [k, text(v)]);
  fillTable($('node-properties'), rows(n.properties));
  fillTable($('node-attributes'), rows(n.attributes));
  fillTable($('node-endpoints'), rows(n.endpoints));
}

async function loadLogs(): Promise<void> {
  if (current === undefined || selected === undefined) return;
  const pre = $('node-logs');
  const res = await fetch(`/v1/deployments/${enc(current)}/nodes/${enc(selected)}/logs?tail=50`, { credentials: 'same-origin' });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
    pre.textContent = body.error ? `(${body.error.code}: ${body.error.message})` : `(HTTP ${res.status})`;
    return;
  }
  const lines = (await res.text()).split('\n').filter((l) => l !== '');
  const out: string[] = [];
  for (const l of lines) {
    const piece = JSON.parse(l) as { stream?: string; text?: string; error?: { code: string; message: string } };
    if (piece.text !== undefined) out.push(piece.text.replace(/\n$/, ''));
    if (piece.error) out.push(`(${piece.error.code}: ${piece.error.message})`);
  }
  pre.textContent = out.length > 0 ? out.join('\n') : '(no output yet)';
}

async function loadHistory(): Promise<void> {
  if (current === undefined || selected === undefined) return;
  const records = await api<HistoryRecord[]>(`/v1/deployments/${enc(current)}/history?node=${enc(selected)}`);
  // Khutulun's own bookkeeping (placement claims) is left to `khutulun history`.
  const rows = records.slice(-40).flatMap((r) =>
    r.changes.filter((c) => !c.field.startsWith('property:khutulun:')).map((c) => [new Date(r.at).toLocaleTimeString(), String(r.generation), r.host, c.field, `${c.old === undefined ? '' : text(c.old)} → ${c.new === undefined ? '' : text(c.new)}${c.note ? ` (${c.note})` : ''}`]),
  );
  fillTable($('node-history'), rows.reverse(), ['when', 'gen', 'host', 'field', 'old → new']);
}

async function select(id: string): Promise<void> {
  selected = id;
  showFacts();
  await Promise.all([loadLogs(), loadHistory()]).catch((e: unknown) => showError(String(e)));
}

async function loadHosts(): Promise<void> {
  const hosts = await api<HostView[]>('/v1/hosts');
  fillTable(
    $('hosts'),
    hosts.map((h) => [h.name, h.connected ? 'connected' : `not seen since ${h.lastSeen}`, h.address, (h.capabilities ?? []).join(' ')]),
    ['name', 'state', 'address', 'runs'],
  );
}

function addEvent(e: AgentEvent): void {
  const li = document.createElement('li');
  const what = e.type === 'node.transition' ? `${e.deployment}/${short(e.node ?? '')}: ${e.from} → ${e.to}` : `${e.type}${e.deployment ? ` ${e.deployment}` : ''}`;
  li.textContent = `${new Date(e.at).toLocaleTimeString()} ${what}${e.message ? ` (${e.message})` : ''}`;
  const list = $('events');
  list.prepend(li);
  while (list.childElementCount > 200) list.lastElementChild?.remove();
}

function follow(): void {
  const source = new EventSource('/v1/events?replay=1');
  source.onopen = () => ($('connection').textContent = 'live');
  source.onerror = () => ($('connection').textContent = 'reconnecting…');
  const onEvent = (m: MessageEvent<string>): void => {
    const e = JSON.parse(m.data) as AgentEvent;
    addEvent(e);
    if (e.deployment !== undefined && e.deployment !== current) {
      if (e.type.startsWith('deployment.')) void loadDeployments();
      return;
    }
    if (e.type === 'node.transition' && e.node !== undefined && e.to !== undefined) setNodeState(e.node, e.to);
    if (e.type.startsWith('peer.') || e.type.startsWith('host.')) void loadHosts().catch(() => undefined);
    // The derived views (deployment state, failing, restarts, new nodes) from one read, at most every 500 ms.
    refetch ??= setTimeout(() => {
      refetch = undefined;
      void loadGraph().catch((err: unknown) => showError(String(err)));
      if (selected !== undefined) void loadHistory().catch(() => undefined);
      if (e.type.startsWith('deployment.')) void loadDeployments();
    }, 500);
  };
  for (const type of ['node.transition', 'deployment.created', 'deployment.updated', 'deployment.deployed', 'deployment.failed', 'deployment.removed', 'peer.connected', 'peer.disconnected', 'message']) {
    source.addEventListener(type, onEvent as EventListener);
  }
}

async function loadDeployments(): Promise<void> {
  const list = await api<{ name: string; state: string }[]>('/v1/deployments');
  const select = $<HTMLSelectElement>('deployment');
  select.replaceChildren(...list.map((d) => new Option(`${d.name} (${d.state})`, d.name)));
  const wanted = decodeURIComponent(location.hash.slice(1));
  current = list.some((d) => d.name === wanted) ? wanted : list.some((d) => d.name === current) ? current : list[0]?.name;
  if (current === undefined) {
    cy?.destroy();
    cy = undefined;
    graph = undefined;
    $('graph-empty').hidden = false;
    badge($('deployment-state'), 'none');
    return;
  }
  select.value = current;
  await loadGraph();
}

async function main(): Promise<void> {
  const session = await api<{ credential: string; role: string; csrf: string }>('/v1/session');
  csrf = session.csrf;
  $('who').textContent = `${session.credential} (${session.role})`;
  $('deployment').addEventListener('change', (e) => {
    location.hash = enc((e.target as HTMLSelectElement).value);
    selected = undefined;
    $('details').hidden = true;
    void loadDeployments().catch((err: unknown) => showError(String(err)));
  });
  $('logs-refresh').addEventListener('click', () => void loadLogs().catch((err: unknown) => showError(String(err))));
  $('logout').addEventListener('click', () => void api('/logout', { method: 'POST' }).catch(() => undefined).then(() => location.reload()));
  await Promise.all([loadDeployments(), loadHosts()]);
  follow();
  document.body.dataset['ready'] = '1';
}

void main().catch((e: unknown) => showError(String(e)));
