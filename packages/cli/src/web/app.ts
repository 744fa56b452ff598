/**
 * The dashboard page: loads the history (`/api/state`), draws one card per
 * server, then follows the live `tick` events (`/api/events`, Server-Sent
 * Events; the browser reconnects by itself if the stream drops).
 */
import type { DashboardState, DashboardTick } from '../dashboard/wire';
import type { Summary } from '../stats/summary';
import { PoolPanel, ServerPanel } from './panels';

const CAPACITY = 300;

function byId(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node;
}

function setStatus(state: 'live' | 'reconnecting' | 'connecting'): void {
  const status = byId('status');
  status.className = `dot ${state}`;
  status.textContent = state;
}

async function main(): Promise<void> {
  const response = await fetch('/api/state');
  const state = (await response.json()) as DashboardState;
  const pool = new PoolPanel(byId('pool'));
  const panels = new Map(state.servers.map((s) => [s, new ServerPanel(s, byId('servers'), CAPACITY)]));

  // The server list can change (a dashboard following a configuration endpoint): one card per server sampled.
  const follow = (summary: Summary) => {
    const now = new Set(summary.servers.map((s) => s.server));
    for (const [server, panel] of panels) {
      if (now.has(server)) continue;
      panel.root.remove();
      panels.delete(server);
    }
    for (const server of now) {
      if (!panels.has(server)) panels.set(server, new ServerPanel(server, byId('servers'), CAPACITY));
    }
  };

  const record = (summary: Summary) => {
    follow(summary);
    const byServer = new Map(summary.servers.map((s) => [s.server, s]));
    for (const [server, panel] of panels) panel.push(summary.at, byServer.get(server));
  };
  const show = (summary: Summary) => {
    const byServer = new Map(summary.servers.map((s) => [s.server, s]));
    for (const [server, panel] of panels) panel.show(byServer.get(server));
    pool.update(summary.totals);
    document.body.dataset.sampleAt = String(summary.at);
    const seconds = state.intervalMs / 1000;
    byId('updated').textContent =
      `updated ${new Date(summary.at).toLocaleTimeString()} · every ${seconds}s · ${panels.size} server(s)`;
  };
  const showSlabs = (tick: { slabs?: DashboardTick['slabs'] }) => {
    const bySlabServer = new Map(tick.slabs?.map((s) => [s.server, s]));
    for (const [server, panel] of panels) panel.showSlabs(bySlabServer.get(server));
  };

  for (const summary of state.history) record(summary);
  const last = state.history[state.history.length - 1];
  if (last) show(last);
  showSlabs(state);

  // Only events newer than the history we drew count (the stream may replay one we already have).
  let lastAt = last?.at ?? 0;
  const events = new EventSource('/api/events');
  events.onopen = () => setStatus('live');
  events.onerror = () => setStatus('reconnecting');
  events.addEventListener('tick', (event) => {
    const tick = JSON.parse((event as MessageEvent<string>).data) as DashboardTick;
    if (tick.summary.at <= lastAt) return;
    lastAt = tick.summary.at;
    record(tick.summary);
    show(tick.summary);
    showSlabs(tick);
  });

  let resizeTimer: number | undefined;
  window.addEventListener('resize', () => {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => {
      for (const panel of panels.values()) panel.resize();
    }, 100);
  });
}

main().catch((err: unknown) => {
  setStatus('reconnecting');
  byId('updated').textContent = `failed to load: ${String(err)}`;
});
