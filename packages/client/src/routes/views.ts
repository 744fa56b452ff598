/**
 * A route client as a view of the main client sees it: a client the route
 * built follows the view's `keyPrefix` and `keyMapping`, so the route reads
 * and writes the same items the view does.
 */
import type { Client } from '../client';

export class FollowViews {
  private readonly views = new Map<string, Client>();

  constructor(
    readonly base: Client,
    /** False for a client the caller gave: it keeps its own key handling. */
    private readonly follow: boolean,
  ) {}

  for(view: Client): Client {
    const base = this.base;
    if (!this.follow || (view.keyPrefix === base.keyPrefix && view.keyMapping === base.keyMapping))
      return base;
    const id = `${view.keyMapping} ${view.keyPrefix}`;
    let v = this.views.get(id);
    if (!v) {
      v = base.withKeyOptions({ keyPrefix: view.keyPrefix, keyMapping: view.keyMapping });
      this.views.set(id, v);
    }
    return v;
  }
}
