import { ACCEPT_AHEAD } from '@quorum/paxos';
import { parsePhaseDelays } from './network.js';
import type { Prng } from './prng.js';
import type { FaultControl, Schedule } from './schedule.js';

// =============================================================================================
// Helpers
// =============================================================================================

/** Runs `action(leader)` at `time`, or as soon after as some replica leads (polling every tick). */
function whenLeader(ctl: FaultControl, time: number, action: (leader: number) => void): void {
  ctl.at(time, () => {
    const leader = ctl.leader();
    if (leader !== null) action(leader);
    else whenLeader(ctl, ctl.now() + ctl.params.tickMs, action);
  });
}

/**
 * Runs `action` once `ready()` holds, polling from `time` every `every` ms (default: a tick);
 * after `deadline` (if given) it runs anyway.
 */
function when(
  ctl: FaultControl,
  time: number,
  ready: () => boolean,
  action: () => void,
  every = ctl.params.tickMs,
  deadline = Number.POSITIVE_INFINITY,
): void {
  ctl.at(time, () => {
    if (ready() || ctl.now() >= deadline) action();
    else when(ctl, ctl.now() + every, ready, action, every, deadline);
  });
}

function frac(ctl: FaultControl, rng: Prng, from: number, to: number): number {
  return ctl.faultEnd * rng.range(from, to);
}

function others(ctl: FaultControl, ids: readonly number[]): number[] {
  return ctl.members.filter((m) => !ids.includes(m));
}

/** Crashes `id` unless that would take more than f replicas down at once. */
function crashWithinF(ctl: FaultControl, id: number): boolean {
  if (!ctl.isUp(id) || ctl.down().length >= ctl.f) return false;
  ctl.crash(id);
  return true;
}

/**
 * Wipes `id`'s disk unless that would leave more than f replicas down or recovering at once
 * (then no majority of voters is left: nothing could be learned, only waited for).
 */
function wipeWithinF(ctl: FaultControl, id: number): boolean {
  const nonVoters = new Set([...ctl.down(), ...ctl.recovering()]);
  nonVoters.delete(id);
  if (nonVoters.size >= ctl.f) return false;
  ctl.wipe(id);
  return true;
}

/** The seed's fault modes, scaled from seconds to simulated ms / 10 (one tick = 10 ms). */
export const PHASE_MODES = [
  'p:100::a:200::c:300',
  'p:100::a:200::c:100',
  'a:150',
  'c:250',
  'p:300',
  'd:0',
] as const;

// =============================================================================================
// The schedules
// =============================================================================================

const normal: Schedule = {
  name: 'normal',
  summary: 'normal operation: no faults, clients load the cluster',
  plan: () => {},
};

const leaderDies: Schedule = {
  name: 'leader-dies',
  summary: 'the leader crashes once mid-run and stays down until the heal',
  plan: (ctl, rng) => {
    whenLeader(ctl, frac(ctl, rng, 0.25, 0.45), (leader) => {
      ctl.crash(leader);
      ctl.mark('crashed', leader);
    });
  },
};

const leadersDie: Schedule = {
  name: 'leaders-die',
  summary:
    'leaders crash repeatedly: the first f stay down (the seed case), further deaths first restart the oldest',
  plan: (ctl, rng) => {
    const deaths = ctl.f + rng.int(1, 2);
    const dead: number[] = [];
    for (let i = 0; i < deaths; i++) {
      const time = ctl.faultEnd * (0.15 + (0.65 * i) / deaths) + rng.range(0, ctl.faultEnd * 0.05);
      whenLeader(ctl, time, (leader) => {
        if (dead.length >= ctl.f) {
          const oldest = dead.shift();
          if (oldest !== undefined) ctl.restart(oldest);
        }
        if (crashWithinF(ctl, leader)) {
          dead.push(leader);
          ctl.mark(`death${i + 1}`, leader);
        }
      });
    }
  },
};

const skippedSlot: Schedule = {
  name: 'skipped-slot',
  summary:
    "the leader's accept for one slot reaches nobody, then the leader dies: the new leader fills it with a no-op",
  plan: (ctl, rng) => {
    const x = rng.int(3, 8);
    ctl.mark('skippedSlot', x);
    let stripper: number | null = null;
    let crashing = false;
    ctl.network.addFilter('skip-slot', (from, to, message) => {
      if (message.type === 'accept') {
        if (stripper === null && message.entries.some((e) => e.slot === x)) {
          stripper = from;
          ctl.mark('skipLeader', from);
          ctl.note(`replica ${from}'s accepts for slot ${x} now reach nobody`);
        }
        if (from === stripper) {
          const entries = message.entries.filter((e) => e.slot !== x);
          return entries.length === 0 ? null : { ...message, entries };
        }
      }
      // Once another acceptor accepted a later slot, slot x is a hole below chosen slots: kill.
      if (message.type === 'accepted' && to === stripper && !crashing && message.slots.some((s) => s > x)) {
        crashing = true;
        const victim = stripper;
        ctl.at(ctl.now() + 5, () => ctl.crash(victim));
      }
      return message;
    });
  },
};

const lossy: Schedule = {
  name: 'lossy',
  summary: '5% of messages lost (and 1% duplicated) for the whole fault phase',
  tune: (p) => {
    p.network = { delay: { min: 1, max: 10 }, dropRate: 0.05, duplicateRate: 0.01 };
  },
  plan: () => {},
};

const slowNet: Schedule = {
  name: 'slow-net',
  summary: 'every message delayed uniformly 0-1000 ms (the seed setup); 100 ms ticks',
  tune: (p) => {
    p.tickMs = 100;
    p.network = { delay: { min: 0, max: 1000 }, dropRate: 0, duplicateRate: 0 };
    p.replica = { ...p.replica, heartbeatTicks: 4, electionTicks: 30, retransmitTicks: 25 };
    p.clientTimeoutMs = 6000;
    p.clientStart = { min: 0, max: 1000 };
    p.thinkMs = { min: 0, max: 300 };
    p.readEveryMs = 400;
    p.probeBoundTicks = 150;
  },
  plan: () => {},
};

const slowPhase: Schedule = {
  name: 'slow-phase',
  summary:
    "one replica's prepare/accept/commit messages delayed per phase (the seed's -mode=p:10::a:20::c:30)",
  plan: (ctl, rng) => {
    const mode = rng.pick(PHASE_MODES);
    const onLeader = rng.chance(0.5);
    whenLeader(ctl, frac(ctl, rng, 0.05, 0.3), (leader) => {
      const victim = onLeader ? leader : rng.pick(ctl.members.filter((m) => m !== leader));
      ctl.network.setPhaseDelays(victim, parsePhaseDelays(mode));
      ctl.mark('slowReplica', victim);
      ctl.note(`replica ${victim}${victim === leader ? ' (leader)' : ''} delays its phases: ${mode}`);
    });
  },
};

const concurrent: Schedule = {
  name: 'concurrent',
  summary: 'many clients propose at every replica at once (decided out of order); one leader change mid-run',
  tune: (p, n) => {
    p.clients = 4 * n;
    p.clientStart = { min: 0, max: 2 };
    p.thinkMs = { min: 0, max: 4 };
    p.readEveryMs = 15;
  },
  plan: (ctl, rng) => {
    whenLeader(ctl, frac(ctl, rng, 0.3, 0.5), (leader) => {
      ctl.crash(leader);
      ctl.at(ctl.now() + rng.range(50, 300), () => ctl.restart(leader));
    });
  },
};

const restartCatchup: Schedule = {
  name: 'restart-catchup',
  summary: 'a follower is down for most of the run, restarts and must catch up in bulk (no compaction)',
  tune: (p) => {
    p.compactEvery = 0;
  },
  plan: (ctl, rng) => {
    let victim = 0;
    whenLeader(ctl, frac(ctl, rng, 0.05, 0.15), (leader) => {
      victim = rng.pick(ctl.members.filter((m) => m !== leader));
      ctl.crash(victim);
      ctl.mark('restarted', victim);
    });
    ctl.at(frac(ctl, rng, 0.65, 0.75), () => {
      if (victim === 0) return;
      ctl.mark('restartAt', ctl.now());
      ctl.restart(victim);
      const committed = ctl.status(victim)?.committed ?? 0;
      ctl.mark('committedAtRestart', committed);
      ctl.mark('missedSlots', ctl.chosenMax() - committed);
    });
  },
};

const behindCompaction: Schedule = {
  name: 'behind-compaction',
  summary:
    'a follower is cut off while the others compact their logs; when it returns it must install a snapshot',
  tune: (p) => {
    p.compactEvery = 10;
    p.replica = { ...p.replica, retainEntries: 5 };
  },
  plan: (ctl, rng) => {
    let laggard = 0;
    whenLeader(ctl, frac(ctl, rng, 0.05, 0.15), (leader) => {
      laggard = rng.pick(ctl.members.filter((m) => m !== leader));
      ctl.network.partition([laggard], others(ctl, [laggard]));
      ctl.mark('laggard', laggard);
      ctl.note(`replica ${laggard} cut off from everyone`);
    });
    ctl.at(frac(ctl, rng, 0.7, 0.8), () => {
      if (laggard === 0) return;
      ctl.network.clearPartitions();
      ctl.mark('rejoinedAt', ctl.now());
      ctl.note(`replica ${laggard} reconnected`);
    });
  },
};

const partitions: Schedule = {
  name: 'partition',
  summary: 'one-way and two-way partitions, including an isolated leader, coming and going',
  plan: (ctl, rng) => {
    let t = frac(ctl, rng, 0.03, 0.1);
    while (t < ctl.faultEnd * 0.9) {
      const hold = frac(ctl, rng, 0.05, 0.15);
      const kind = rng.pick([
        'isolate-leader',
        'isolate',
        'leader-deaf',
        'leader-mute',
        'split',
        'one-way',
      ] as const);
      ctl.at(t, () => {
        const leader = ctl.leader() ?? rng.pick(ctl.members);
        const net = ctl.network;
        switch (kind) {
          case 'isolate-leader':
            net.partition([leader], others(ctl, [leader]));
            break;
          case 'isolate': {
            const id = rng.pick(ctl.members);
            net.partition([id], others(ctl, [id]));
            break;
          }
          case 'leader-deaf': // the leader sends, but hears nobody
            for (const m of others(ctl, [leader])) net.block(m, leader);
            break;
          case 'leader-mute': // the leader hears everybody, but reaches nobody
            for (const m of others(ctl, [leader])) net.block(leader, m);
            break;
          case 'split': {
            const side = rng.shuffle(ctl.members).slice(0, rng.int(1, ctl.f));
            net.partition(side, others(ctl, side));
            break;
          }
          case 'one-way': {
            const [a, b] = rng.shuffle(ctl.members);
            if (a !== undefined && b !== undefined) net.block(a, b);
            break;
          }
        }
        ctl.note(`partition: ${kind} (leader was ${leader})`);
      });
      ctl.at(t + hold, () => {
        ctl.network.clearPartitions();
        ctl.note('partitions healed');
      });
      t += hold + frac(ctl, rng, 0.02, 0.1);
    }
  },
};

const mixed: Schedule = {
  name: 'random',
  summary:
    'a random mix: crashes and restarts (at most f down), lost disks (at most f down or recovering), partitions, loss, duplication, delays, slow phases',
  plan: (ctl, rng) => {
    let t = frac(ctl, rng, 0.02, 0.08);
    while (t < ctl.faultEnd * 0.95) {
      const roll = rng.int(0, 14);
      ctl.at(t, () => {
        const net = ctl.network;
        switch (roll) {
          case 0:
          case 1: {
            const id = rng.pick(ctl.members);
            if (crashWithinF(ctl, id)) ctl.note(`random: crashed ${id}`);
            break;
          }
          case 2: {
            const leader = ctl.leader();
            if (leader !== null) crashWithinF(ctl, leader);
            break;
          }
          case 3:
          case 4: {
            const down = ctl.down();
            if (down.length > 0) ctl.restart(rng.pick(down));
            break;
          }
          case 5: {
            const id = rng.pick(ctl.members);
            net.partition([id], others(ctl, [id]));
            ctl.note(`random: isolated ${id}`);
            break;
          }
          case 6: {
            const [a, b] = rng.shuffle(ctl.members);
            if (a !== undefined && b !== undefined) net.block(a, b);
            ctl.note(`random: cut ${a} -> ${b}`);
            break;
          }
          case 7:
            net.clearPartitions();
            ctl.note('random: partitions healed');
            break;
          case 8: {
            const dropRate = rng.pick([0, 0.02, 0.05, 0.1]);
            const duplicateRate = rng.pick([0, 0.01, 0.05]);
            const delay = rng.pick([
              { min: 1, max: 10 },
              { min: 1, max: 40 },
              { min: 0, max: 150 },
            ]);
            net.config = { delay, dropRate, duplicateRate };
            ctl.note(
              `random: network drop ${dropRate}, dup ${duplicateRate}, delay ${delay.min}-${delay.max} ms`,
            );
            break;
          }
          case 9: {
            const id = rng.pick(ctl.members);
            const mode = rng.pick(PHASE_MODES);
            net.setPhaseDelays(id, parsePhaseDelays(mode));
            ctl.note(`random: replica ${id} delays phases ${mode}`);
            break;
          }
          case 10: {
            const leader = ctl.leader();
            if (leader !== null) {
              net.partition([leader], others(ctl, [leader]));
              ctl.note(`random: isolated the leader ${leader}`);
            }
            break;
          }
          case 13: {
            const id = rng.pick(ctl.members);
            ctl.pause(id, rng.range(20, 600));
            break;
          }
          case 12: {
            // Crash in the middle of a durable write: that write and its messages are lost.
            const id = rng.pick(ctl.members);
            when(
              ctl,
              ctl.now(),
              () => ctl.persisting(id),
              () => {
                if (crashWithinF(ctl, id)) {
                  ctl.note(`random: crashed ${id} during a write`);
                  ctl.at(ctl.now() + rng.range(5, 100), () => ctl.restart(id));
                }
              },
              0.25,
              ctl.now() + 200,
            );
            break;
          }
          case 14: {
            // A lost disk: the replica comes back empty and must recover before it votes.
            const id = rng.pick(ctl.members);
            if (wipeWithinF(ctl, id)) ctl.note(`random: wiped ${id}`);
            break;
          }
          case 11: {
            // A quick crash-restart (a process bounce).
            const id = rng.pick(ctl.members);
            if (crashWithinF(ctl, id)) ctl.at(ctl.now() + rng.range(5, 60), () => ctl.restart(id));
            break;
          }
        }
      });
      t += frac(ctl, rng, 0.03, 0.1);
    }
  },
};

const rollingRestarts: Schedule = {
  name: 'rolling-restarts',
  summary:
    'f followers cut off; the other f followers crash and restart at once while the leader is isolated; the new majority must remember what it accepted',
  plan: (ctl, rng) => {
    const period = ctl.faultEnd / 3;
    for (let round = 0; round < 3; round++) {
      const t0 = round * period + rng.range(0.05, 0.15) * period;
      const plan = { leader: 0, cut: [] as number[], bounced: [] as number[] };
      whenLeader(ctl, t0, (leader) => {
        const followers = rng.shuffle(ctl.members.filter((m) => m !== leader));
        plan.leader = leader;
        plan.cut = followers.slice(0, ctl.f);
        plan.bounced = followers.slice(ctl.f).filter((m) => ctl.isUp(m));
        ctl.network.partition(plan.cut, others(ctl, plan.cut));
        ctl.note(`rolling: cut off ${plan.cut.join(', ')}`);
        // Strike while a commit is in flight: the leader knows a slot chosen that the followers
        // about to bounce do not (polled every 0.5 ms; after a while, strike anyway).
        const t1 = ctl.now() + rng.range(0.2, 0.35) * period;
        const inFlight = () => {
          const led = ctl.status(plan.leader)?.committed ?? 0;
          return plan.bounced.every((id) => (ctl.status(id)?.committed ?? led) < led);
        };
        when(
          ctl,
          t1,
          inFlight,
          () => {
            ctl.network.clearPartitions();
            ctl.network.partition([plan.leader], others(ctl, [plan.leader]));
            for (const id of plan.bounced) ctl.crash(id);
            ctl.note(`rolling: isolated leader ${plan.leader}, bounced ${plan.bounced.join(', ')}`);
            ctl.at(ctl.now() + rng.range(2, 30), () => {
              for (const id of plan.bounced) ctl.restart(id);
            });
            ctl.at(ctl.now() + rng.range(0.3, 0.45) * period, () => {
              ctl.network.clearPartitions();
              ctl.note('rolling: healed');
            });
          },
          0.5,
          t1 + 0.2 * period,
        );
      });
    }
  },
};

const laggingLeader: Schedule = {
  name: 'lagging-leader',
  summary:
    'a follower misses many slots, then becomes leader the moment it returns: it must learn the decided slots, not overwrite them',
  plan: (ctl, rng) => {
    let laggard = 0;
    let deposed = 0;
    whenLeader(ctl, frac(ctl, rng, 0.05, 0.1), (leader) => {
      laggard = rng.pick(ctl.members.filter((m) => m !== leader));
      ctl.network.partition([laggard], others(ctl, [laggard]));
      ctl.mark('laggard', laggard);
      ctl.note(`replica ${laggard} cut off`);
    });
    ctl.at(frac(ctl, rng, 0.4, 0.5), () => {
      if (laggard === 0) return;
      ctl.network.clearPartitions();
      const leader = ctl.leader();
      if (leader !== null && leader !== laggard) {
        deposed = leader;
        ctl.crash(leader);
      }
      ctl.mark('behindBy', ctl.chosenMax() - (ctl.status(laggard)?.committed ?? 0));
      // Only the laggard's prepares get through: it must win the next election.
      ctl.network.addFilter('only-laggard-prepares', (from, _to, message) =>
        message.type === 'prepare' && from !== laggard ? null : message,
      );
      ctl.note(
        `replica ${laggard} reconnected; leader ${deposed} crashed; only ${laggard} may run for leader`,
      );
      when(
        ctl,
        ctl.now(),
        () => ctl.status(laggard)?.role === 'leader',
        () => {
          ctl.network.removeFilter('only-laggard-prepares');
          ctl.mark('laggardLedAt', ctl.now());
          ctl.note(`the laggard ${laggard} leads`);
          if (deposed !== 0) ctl.at(ctl.now() + 200, () => ctl.restart(deposed));
        },
      );
    });
  },
};

const pausedLeader: Schedule = {
  name: 'paused-leader',
  summary:
    'the leader is paused (SIGSTOP) for longer than an election timeout, others take over, then it resumes with stale state',
  plan: (ctl, rng) => {
    const election = (ctl.params.replica.electionTicks ?? 10) * ctl.params.tickMs;
    const pauses = rng.int(2, 3);
    for (let i = 0; i < pauses; i++) {
      whenLeader(ctl, ctl.faultEnd * (0.1 + (0.8 * i) / pauses) + rng.range(0, 100), (leader) => {
        ctl.pause(leader, rng.range(0.5, 4) * election);
        if (rng.chance(0.3)) {
          const other = rng.pick(ctl.members.filter((m) => m !== leader));
          ctl.pause(other, rng.range(0.2, 2) * election);
        }
      });
    }
  },
};

/** Every named schedule, in the order the CLI lists them. */
const diskLoss: Schedule = {
  name: 'disk-loss',
  summary:
    'f followers are cut off while the others commit; the leader dies and the other f followers lose their disks: until the leader is back, the laggers and the wiped must not form a majority that forgets',
  plan: (ctl, rng) => {
    whenLeader(ctl, frac(ctl, rng, 0.1, 0.2), (leader) => {
      const followers = rng.shuffle(others(ctl, [leader]));
      const laggers = followers.slice(0, ctl.f);
      const wiped = followers.slice(ctl.f);
      ctl.network.partition(laggers, others(ctl, laggers));
      ctl.mark('leader', leader);
      ctl.note(`disk-loss: cut off ${laggers.join(', ')}`);
      ctl.at(ctl.now() + frac(ctl, rng, 0.15, 0.25), () => {
        ctl.crash(leader);
        for (const id of wiped) ctl.wipe(id);
        ctl.network.clearPartitions();
        ctl.mark('struck', ctl.now());
        ctl.note(
          `disk-loss: leader ${leader} down until the heal, ${wiped.join(', ')} wiped, laggers reconnected`,
        );
      });
    });
  },
};

/** Snapshot transfers need a follower further behind than one promise's worth of slots. */
const SOURCE_DIES_LAG = ACCEPT_AHEAD + 100;
/** The bound the issue sets: the two live servers of three elect and commit within 2 s. */
export const SOURCE_DIES_BOUND_MS = 2000;

const snapshotSourceDies: Schedule = {
  name: 'snapshot-source-dies',
  summary:
    'a follower returns so far behind that it needs a snapshot; its source dies mid-transfer: the live majority must elect and commit within 2 s',
  tune: (p) => {
    p.faultTicks = 900;
    p.compactEvery = 50;
    p.clients = 8;
    p.thinkMs = { min: 0, max: 0 };
    p.replica = { ...p.replica, maxBatch: 1, retainEntries: 5 };
  },
  plan: (ctl, rng) => {
    whenLeader(ctl, frac(ctl, rng, 0.02, 0.05), (leader) => {
      const lagger = rng.pick(others(ctl, [leader]));
      const from = ctl.chosenMax();
      ctl.crash(lagger);
      ctl.mark('lagger', lagger);
      when(
        ctl,
        ctl.now(),
        () => ctl.chosenMax() > from + SOURCE_DIES_LAG,
        () => {
          let struck = false;
          ctl.network.addFilter('source-dies', (sender, to, message) => {
            if (struck || sender !== lagger || message.type !== 'snapshot_req') return message;
            struck = true;
            // The source dies with the request unanswered: the transfer has begun, not ended.
            ctl.at(ctl.now(), () => {
              ctl.crash(to);
              ctl.mark('source', to);
              ctl.requireProgress(`snapshot source ${to} died mid-transfer`, SOURCE_DIES_BOUND_MS);
            });
            return null;
          });
          ctl.restart(lagger);
          ctl.note(`replica ${lagger} returns ${ctl.chosenMax() - from} slots behind`);
        },
      );
    });
  },
};

export const SCHEDULES: readonly Schedule[] = [
  normal,
  leaderDies,
  leadersDie,
  skippedSlot,
  lossy,
  slowNet,
  slowPhase,
  concurrent,
  restartCatchup,
  behindCompaction,
  partitions,
  mixed,
  rollingRestarts,
  laggingLeader,
  pausedLeader,
  diskLoss,
  snapshotSourceDies,
];

export const SCHEDULE_NAMES: readonly string[] = SCHEDULES.map((s) => s.name);

export function scheduleByName(name: string): Schedule {
  const schedule = SCHEDULES.find((s) => s.name === name);
  if (!schedule) throw new Error(`unknown schedule "${name}" (known: ${SCHEDULE_NAMES.join(', ')})`);
  return schedule;
}
