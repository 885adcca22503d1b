/**
 * Fault injection through a server's admin endpoint: `POST {server}/admin/faults` with
 * `authorization: Bearer TOKEN` and `{"spec": "..."}`. The spec syntax is the server's
 * (apps/server/src/faults.ts): `p:S`, `a:S`, `c:S` delay a phase by S seconds, `d:0` drops every
 * outgoing peer message, `drop:R` drops at rate R, `jitter:MS`, `to:1,3` limits to peers,
 * `none` heals.
 */
export interface FaultPreset {
  readonly id: string;
  readonly label: string;
  readonly spec: string;
  readonly explain: string;
}

export const FAULT_PRESETS: readonly FaultPreset[] = [
  {
    id: 'delay-accept',
    label: 'Delay accepts 2 s',
    spec: 'a:2',
    explain: 'Phase 2 messages (accept/accepted/forward) leave this server 2 s late.',
  },
  {
    id: 'delay-prepare',
    label: 'Delay prepares 2 s',
    spec: 'p:2',
    explain: 'Phase 1 messages (prepare/promise) leave this server 2 s late.',
  },
  {
    id: 'partition',
    label: 'Drop all (partition)',
    spec: 'd:0',
    explain: 'Every outgoing peer message is dropped: the server is cut off from its peers.',
  },
  {
    id: 'loss',
    label: '5% loss',
    spec: 'drop:0.05',
    explain: 'Each outgoing peer message is lost with 5% chance.',
  },
  {
    id: 'jitter',
    label: 'Jitter 0–1 s',
    spec: 'jitter:1000',
    explain: 'Random 0–1 s delay on every peer message.',
  },
  { id: 'heal', label: 'Heal', spec: 'none', explain: 'Remove every fault from this server.' },
];

export const ADMIN_TOKEN_KEY = 'quorum.adminToken';

export type FaultResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export async function injectFault(
  baseUrl: string,
  token: string,
  spec: string,
  fetchFn: FetchFn = (input, init) => fetch(input, init),
): Promise<FaultResult> {
  let response: Response;
  try {
    response = await fetchFn(`${baseUrl}/admin/faults`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ spec }),
      signal: AbortSignal.timeout(3000),
    });
  } catch (error) {
    return {
      ok: false,
      error: `Could not reach ${baseUrl} (${error instanceof Error ? error.message : String(error)}). The server is down or does not allow this page's origin (CORS).`,
    };
  }
  if (response.ok) return { ok: true };
  if (response.status === 401) return { ok: false, error: 'Wrong admin token.' };
  if (response.status === 404) return { ok: false, error: 'This server has fault injection disabled.' };
  let detail = '';
  try {
    const body = (await response.json()) as { message?: unknown };
    if (typeof body.message === 'string') detail = `: ${body.message}`;
  } catch {
    // no JSON body
  }
  return { ok: false, error: `HTTP ${response.status}${detail}` };
}
