import { RawClient, TestCluster } from '@quorum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

/**
 * Cross-site WebSocket hijacking: any page a user visits can open a WebSocket to the chat
 * server, and the browser sends that page's Origin. With no configuration at all (as `npm start`
 * runs it), the client endpoint admits only the balancer's own origin, which serves the web page,
 * plus configured ones; a client that sends no Origin (not a browser page) is admitted.
 */
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 1 });
});

afterAll(async () => {
  await cluster?.close();
});

/** The outcome of one upgrade to /ws: 'open', or the HTTP status and reason of a refusal. */
function upgrade(origin?: string): Promise<string> {
  const socket = new WebSocket(cluster.server(1).wsUrl, origin === undefined ? {} : { origin });
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(`${response.statusCode} ${response.headers['x-quorum-reason']}`);
      socket.terminate();
    });
    socket.once('error', (error) => resolve(`error ${error.message}`));
  });
}

describe('Origin check at the client endpoint, with no --allowed-origins', () => {
  it("refuses pages from other sites with 403 at the upgrade, admits the balancer's page and clients without Origin", async () => {
    const balancer = new URL(cluster.balancerUrl);
    expect(await upgrade('http://evil.example')).toBe('403 origin not allowed');
    expect(await upgrade('https://evil.example')).toBe('403 origin not allowed');
    expect(await upgrade('null')).toBe('403 origin not allowed'); // sandboxed frames, file: pages
    // The web page, served by the balancer; also under the other loopback names.
    expect(await upgrade(balancer.origin)).toBe('open');
    expect(await upgrade(`http://localhost:${balancer.port}`)).toBe('open');
    const page = await RawClient.connect(cluster.server(1).wsUrl, { origin: balancer.origin });
    await page.register('from-the-page');
    page.close();
    // Not a browser page: the terminal client, scripts.
    expect(await upgrade()).toBe('open');
    const tool = await RawClient.connect(cluster.server(1).wsUrl);
    await tool.register('no-origin');
    tool.close();
  });

  it("refuses another port or scheme on the balancer's host: the origin must match exactly", async () => {
    const balancer = new URL(cluster.balancerUrl);
    const otherPort = Number(balancer.port) === 65535 ? 65534 : Number(balancer.port) + 1;
    expect(await upgrade(`http://${balancer.hostname}:${otherPort}`)).toBe('403 origin not allowed');
    expect(await upgrade(`https://${balancer.host}`)).toBe('403 origin not allowed');
  });
});

describe('Origin check with --allowed-origins', () => {
  it("adds the configured origins to the balancer's own", async () => {
    const server = cluster.server(1);
    await server.stop();
    await server.start(['--allowed-origins', 'https://chat.example.org, http://intranet.example:8080/']);
    await cluster.waitForLeader();
    expect(await upgrade('https://chat.example.org')).toBe('open');
    expect(await upgrade('http://intranet.example:8080')).toBe('open');
    expect(await upgrade(new URL(cluster.balancerUrl).origin)).toBe('open');
    expect(await upgrade('http://evil.example')).toBe('403 origin not allowed');
    expect(await upgrade()).toBe('open');
  });
});
