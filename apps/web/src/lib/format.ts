const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** "14:03" for the message list. */
export function shortTime(ms: number): string {
  return timeFormat.format(ms);
}

/** A full date and time, for tooltips and `<time dateTime>`. */
export function fullTime(ms: number): string {
  return fullFormat.format(ms);
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** "3.2" for ballot round 3 of node 2. */
export function ballotText(ballot: { readonly round: number; readonly node: number }): string {
  return `${ballot.round}.${ballot.node}`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
