// Child process of crash.test.ts: persists deltas as fast as it can (three in flight, like a
// host whose next turns run while a write is being flushed) and prints each one once its
// persist() resolved. The parent kills it with SIGKILL at a random moment.
//
//   node crash-writer.mjs <store module URL> <store dir> <cycle>
//
// Output lines (stdout is a pipe: writes are synchronous on Linux, so a printed line was
// printed before the kill):
//   ready <next slot>
//   durable <first slot> <last slot> [discard <slot>]
const [moduleUrl, dir, cycleText] = process.argv.slice(2);
if (!moduleUrl || !dir || !cycleText) throw new Error('usage: crash-writer.mjs <module> <dir> <cycle>');
const { DurableStore } = await import(moduleUrl);
const cycle = Number(cycleText);

/** The value the test expects at each slot. */
const expectedValue = (slot) => ({
  commands: [
    {
      op: 'post',
      clientId: 'crash-writer',
      seq: slot,
      ts: slot,
      user: 'writer',
      room: 'crash',
      text: `slot ${slot}`,
    },
  ],
});

// The parent verifies (probe included) after every kill; the writer skips the probe to start fast.
const store = await DurableStore.open(dir, { probe: false });
const state = store.load();
let next = (state.entries.at(-1)?.slot ?? state.snapshot?.index ?? 0) + 1;
let deltas = 0;
let inflight = 0;
process.stdout.write(`ready ${next}\n`);

function issue() {
  const first = next;
  const count = 1 + (deltas % 7);
  const last = first + count - 1;
  next = last + 1;
  const entries = [];
  for (let slot = first; slot <= last; slot++) {
    entries.push({ slot, ballot: { round: cycle, node: 1 }, value: expectedValue(slot) });
  }
  const delta = { entries, committed: last };
  if (deltas === 0) delta.promised = { round: cycle, node: 1 };
  let note = '';
  if (deltas % 10 === 9 && last > 30) {
    // Compact: a snapshot through last-20, and the records it covers go.
    delta.snapshot = { index: last - 20, data: `snapshot through ${last - 20}` };
    delta.discardThrough = last - 20;
    note = ` discard ${last - 20}`;
  }
  deltas++;
  inflight++;
  store.persist(delta).then(
    () => {
      inflight--;
      process.stdout.write(`durable ${first} ${last}${note}\n`);
      pump();
    },
    (error) => {
      process.stderr.write(`persist failed: ${error?.stack ?? error}\n`);
      process.exit(3);
    },
  );
}

function pump() {
  while (inflight < 3) issue();
}

pump();
