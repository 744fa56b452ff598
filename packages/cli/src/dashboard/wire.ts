/**
 * The JSON the dashboard server sends and the page reads: one shape for the
 * initial state (`GET /api/state`) and one for each live update (SSE `tick`
 * events on `GET /api/events`). Types only, shared by both sides.
 */
import type { ServerSlabs } from '../stats/monitor';
import type { Summary } from '../stats/summary';

/** `GET /api/state`: everything the page needs to draw itself. */
export interface DashboardState {
  /** Server addresses, in configuration order. */
  servers: string[];
  /** ms between samples (the page's refresh period). */
  intervalMs: number;
  /** Recent summaries, oldest first. */
  history: Summary[];
  /** Slab classes of every server at the latest sample. */
  slabs?: ServerSlabs[];
}

/** One SSE `tick` event: the newest summary and slab classes. */
export interface DashboardTick {
  /** The summarized sample. */
  summary: Summary;
  /** Per-server slab classes, when the dashboard samples them. */
  slabs?: ServerSlabs[];
}

export type { ServerSlabs, Summary };
