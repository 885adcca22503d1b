/** Reading V8 `.cpuprofile` files (Chrome DevTools format): self time per function and per module. */

export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly selfMs: number;
  /** Share of the non-idle time. */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly wallMs: number;
  readonly idleMs: number;
  readonly busyMs: number;
  readonly functions: readonly SelfTime[];
  readonly modules: readonly SelfTime[];
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Where a function lives, in the words a reader of this repo uses. */
export function moduleOf(url: string, functionName: string): string {
  if (SPECIAL.has(functionName)) return functionName;
  if (url === '') return '(V8 builtins / native)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm?.[1]) return nm[1];
  const app = /\/(apps|packages)\/([^/]+)\//.exec(url);
  if (app?.[2]) return app[1] === 'apps' ? `apps/${app[2]}` : `@quorum/${app[2]}`;
  return url;
}

function shortUrl(url: string): string {
  const nm = /\/node_modules\/(.+)$/.exec(url);
  if (nm?.[1]) return nm[1];
  const repo = /\/((?:apps|packages)\/.+)$/.exec(url);
  if (repo?.[1]) return repo[1].replace('/dist/', '/');
  return url.replace(/^file:\/\//, '');
}

function functionKey(node: CpuProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (SPECIAL.has(name) || url === '') return name;
  return `${name} ${shortUrl(url)}:${lineNumber + 1}`;
}

/**
 * Self time per function and per module. A sample's duration is the gap to the next sample
 * (as DevTools computes it); the last sample gets the gap to the profile's end.
 */
export function summarizeProfile(profile: CpuProfile, top = 20): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let t = profile.startTime;
  const times = samples.map((_, i) => {
    t += deltas[i] ?? 0;
    return t;
  });
  for (let i = 0; i < samples.length; i++) {
    const next = i + 1 < samples.length ? times[i + 1]! : profile.endTime;
    const duration = Math.max(0, next - times[i]!);
    const id = samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + duration);
  }
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let idleUs = 0;
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const key = functionKey(node);
    functions.set(key, (functions.get(key) ?? 0) + us);
    const mod = moduleOf(node.callFrame.url, node.callFrame.functionName);
    modules.set(mod, (modules.get(mod) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const rank = (map: Map<string, number>, limit: number): SelfTime[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({
        name,
        selfMs: Math.round(us / 100) / 10,
        percent: busyUs > 0 ? Math.round((1000 * us) / busyUs) / 10 : 0,
      }));
  return {
    wallMs: Math.round((profile.endTime - profile.startTime) / 1000),
    idleMs: Math.round(idleUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    functions: rank(functions, top),
    modules: rank(modules, top),
  };
}
