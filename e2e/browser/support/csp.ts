/**
 * Content-Security-Policy violations, as the page itself reports them (`securitypolicyviolation`
 * events, recorded from before the page's own scripts run). A page that works under its CSP has
 * none: a violation means either the policy is too tight for the page (a WebSocket to a server
 * refused) or the page tried to reach somewhere it must not.
 */

import type { Page } from '@playwright/test';

export interface CspViolation {
  readonly directive: string;
  readonly blocked: string;
}

declare global {
  interface Window {
    __quorumCsp?: CspViolation[];
  }
}

/** Records violations on every later navigation of `page`; call before the `goto`. */
export async function recordCspViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: CspViolation[] = [];
    window.__quorumCsp = seen;
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push({ directive: event.effectiveDirective, blocked: event.blockedURI });
    });
  });
}

/** The violations the current document has seen so far. */
export async function cspViolations(page: Page): Promise<CspViolation[]> {
  return page.evaluate(() => window.__quorumCsp ?? []);
}
