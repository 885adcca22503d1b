/**
 * Holding a page's next `GET /assign` to the balancer for a moment.
 *
 * When a server is killed, its clients notice at once (the socket closes) and reconnect within a
 * few hundred milliseconds: too short a window to type into reliably. Holding the page's request
 * for a new server keeps the outage open while the test types "during the outage", and lets the
 * test read the balancer's loads before the page is assigned. The answer itself is the real
 * balancer's. The client gives up on an `/assign` after 3 s (then it tries the servers it knows
 * directly), so a hold never lasts longer than `maxHoldMs` (2 s by default).
 */

import type { Page, Request, Route } from '@playwright/test';

export interface AssignHold {
  /**
   * Resolves when the page has asked the balancer for a new server (and is being held); rejects
   * if it has not within `askWithinMs` of the hold's start.
   */
  readonly requested: Promise<void>;
  /** Lets the held request (and every later one) through. */
  release(): Promise<void>;
  /** True when the hold ran out before `release()` was called. */
  readonly expired: boolean;
}

const isAssign = (url: URL) => url.pathname === '/assign';

export async function holdNextAssign(
  page: Page,
  maxHoldMs = 2000,
  askWithinMs = 20_000,
): Promise<AssignHold> {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let requested!: () => void;
  const seen = new Promise<void>((resolve, reject) => {
    requested = resolve;
    // Bounded, like every wait here: a page that never asks fails the test with a reason.
    setTimeout(
      () => reject(new Error(`the page did not ask the balancer for a server within ${askWithinMs} ms`)),
      askWithinMs,
    ).unref();
  });
  seen.catch(() => undefined);
  let expired = false;
  const handling = new Set<Promise<void>>();
  const hold = async (route: Route) => {
    requested();
    const timer = setTimeout(() => {
      expired = true;
      open();
    }, maxHoldMs);
    await opened;
    clearTimeout(timer);
    try {
      await route.continue();
    } catch (error) {
      // Held past its deadline, the request may have been given up by the page: nothing to pass on.
      if (!expired) throw error;
    }
  };
  const handler = (route: Route, _request: Request) => {
    const done = hold(route);
    handling.add(done);
    return done.finally(() => handling.delete(done));
  };
  await page.route(isAssign, handler);
  return {
    requested: seen,
    async release() {
      open();
      // Let the held requests go on before removing the route: unrouting while a handler still
      // holds its request would hand that request to the default handling behind our back.
      await Promise.all(handling);
      await page.unroute(isAssign, handler);
    },
    get expired() {
      return expired;
    },
  };
}
