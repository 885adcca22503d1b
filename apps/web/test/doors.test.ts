import type { WebSocketLike } from '@quorum/client';
import { describe, expect, it, vi } from 'vitest';
import { createDoors } from '../src/lib/doors.js';
import { injectFault } from '../src/lib/faults.js';

const ORIGIN = 'http://127.0.0.1:7100';

/** A fetch double answering `/assign` and `/cluster` like the balancer, anything else with `{}`. */
function balancerDouble() {
  const calls: string[] = [];
  const fetchFn = vi.fn(async (input: RequestInfo | URL) => {
    const url = String(input);
    calls.push(url);
    const body = url.includes('/assign')
      ? { serverId: 1, url: 'ws://127.0.0.1:7101/ws', servers: [{ id: 2, url: 'ws://127.0.0.1:7102/ws' }] }
      : url.includes('/cluster')
        ? {
            servers: [
              { id: 3, url: 'wss://chat.example.com:7443/ws' },
              { id: 4, url: null },
            ],
          }
        : {};
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  });
  const opened: string[] = [];
  const openSocket = (url: string) => {
    opened.push(url);
    return {} as WebSocketLike;
  };
  return { calls, fetchFn, opened, openSocket, doors: createDoors(ORIGIN, fetchFn, openSocket) };
}

describe("the page's doors", () => {
  it('lets the balancer API go to the page origin only', async () => {
    const { doors, calls } = balancerDouble();
    await expect(doors.balancerFetch(`${ORIGIN}/cluster`)).resolves.toBeInstanceOf(Response);
    await expect(doors.balancerFetch('/assign')).resolves.toBeInstanceOf(Response);
    for (const url of [
      'http://attacker.example/assign',
      'http://127.0.0.1:7101/assign',
      'https://127.0.0.1:7100/',
    ]) {
      await expect(doors.balancerFetch(url)).rejects.toThrow(/refused/);
    }
    expect(calls).toEqual([`${ORIGIN}/cluster`, `${ORIGIN}/assign`]);
  });

  it('opens WebSockets only to servers the balancer named', async () => {
    const { doors, opened } = balancerDouble();
    expect(() => doors.openSocket('ws://127.0.0.1:7101/ws')).toThrow(/refused/);
    await doors.balancerFetch(`${ORIGIN}/assign`);
    await doors.balancerFetch(`${ORIGIN}/cluster`);
    doors.openSocket('ws://127.0.0.1:7101/ws');
    doors.openSocket('ws://127.0.0.1:7102/ws');
    doors.openSocket('wss://chat.example.com:7443/ws');
    for (const url of [
      'ws://attacker.example/ws',
      'ws://127.0.0.1:7103/ws',
      'wss://127.0.0.1:7101/ws',
      'ws://chat.example.com:7443/ws',
    ]) {
      expect(() => doors.openSocket(url)).toThrow(/refused/);
    }
    expect(opened).toEqual([
      'ws://127.0.0.1:7101/ws',
      'ws://127.0.0.1:7102/ws',
      'wss://chat.example.com:7443/ws',
    ]);
  });

  it('learns nothing from another origin (it is never asked)', async () => {
    const { doors } = balancerDouble();
    await expect(doors.balancerFetch('http://attacker.example/assign')).rejects.toThrow(/refused/);
    expect(() => doors.openSocket('ws://127.0.0.1:7101/ws')).toThrow(/refused/);
  });

  it('sends the admin token only to a server the balancer named', async () => {
    const { doors, calls } = balancerDouble();
    const refused = await injectFault('http://127.0.0.1:7101', 'admin-secret', 'none', doors.serverFetch);
    expect(refused.ok).toBe(false);
    await doors.balancerFetch(`${ORIGIN}/cluster`);
    await doors.balancerFetch(`${ORIGIN}/assign`);
    expect(await injectFault('http://127.0.0.1:7101', 'admin-secret', 'none', doors.serverFetch)).toEqual({
      ok: true,
    });
    expect(
      await injectFault('https://chat.example.com:7443', 'admin-secret', 'none', doors.serverFetch),
    ).toEqual({ ok: true });
    const elsewhere = await injectFault('http://attacker.example', 'admin-secret', 'none', doors.serverFetch);
    expect(elsewhere.ok).toBe(false);
    expect(calls.filter((url) => url.endsWith('/admin/faults'))).toEqual([
      'http://127.0.0.1:7101/admin/faults',
      'https://chat.example.com:7443/admin/faults',
    ]);
  });
});
