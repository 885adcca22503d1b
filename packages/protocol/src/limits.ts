/**
 * Protocol version and every explicit limit, as named constants. Servers, clients and the
 * simulator all read them from here so that a limit is defined once.
 */

/** Bumped on any incompatible change to a message shape. A `hello` with another version is refused. */
export const PROTOCOL_VERSION = 2;

/**
 * The retry contract (docs/protocol.md §5.2): a client keeps at most this many commands (sends and
 * reactions) in flight; the state machine remembers the outcome of each of a client's last this
 * many seqs, so a retry of any of them returns its first outcome. Older seqs get `seq_expired`.
 */
export const MAX_COMMANDS_IN_FLIGHT = 8;
/**
 * Clients (client ids, and one per connection for server-issued commands) whose outcomes the
 * state machine remembers per user; past it the user's least recently used one is forgotten,
 * never another user's.
 */
export const DEDUP_CLIENTS_PER_USER = 32;
/** The same bound for anonymous commands (`register`), which share one principal. */
export const DEDUP_ANONYMOUS_CLIENTS = 1024;
/** A client's remembered outcomes are forgotten after this long without a command (replicated clock). */
export const DEDUP_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Rooms one user may create (a join of a room that does not exist creates it). Rooms are never
 * deleted, so without it one user could grow every replica's state without bound.
 */
export const MAX_ROOMS_CREATED_PER_USER = 100;

/** Largest client<->server WebSocket frame, in bytes (also the ws `maxPayload` on the client port). */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;
/** Largest server<->server frame: catch-up batches and snapshot chunks are the big ones. */
export const MAX_PEER_FRAME_BYTES = 32 * 1024 * 1024;
/** Largest server<->balancer body. */
export const MAX_BALANCER_FRAME_BYTES = 64 * 1024;

/** Longest chat message, in UTF-16 code units (what JavaScript's `length` counts). */
export const MAX_TEXT_LENGTH = 4000;
export const MAX_USERNAME_LENGTH = 32;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;
export const MAX_ROOM_NAME_LENGTH = 64;
export const MAX_DISPLAY_NAME_LENGTH = 64;
export const MAX_EMOJI_LENGTH = 16;
export const MAX_CLIENT_ID_LENGTH = 64;
export const MIN_CLIENT_ID_LENGTH = 8;
export const SESSION_TOKEN_LENGTH = 43; // 32 random bytes, base64url without padding

/** Most messages one history page or one resume reply carries. */
export const MAX_HISTORY_PAGE = 200;
/** Most rooms one connection may be joined to. */
export const MAX_ROOMS_PER_CONNECTION = 64;

/** Most commands in one Paxos value (one slot). */
export const MAX_BATCH_COMMANDS = 1024;
/** Most slots one accept or catch-up message carries. */
export const MAX_ENTRIES_PER_MESSAGE = 1024;
/** Snapshot transfer chunk size, in characters of the snapshot's text. */
export const SNAPSHOT_CHUNK_CHARS = 256 * 1024;
/** Most servers in one cluster (2f+1 with f <= 3). */
export const MAX_REPLICAS = 7;

/** Room and user names: ASCII letters, digits, `_` and `-`, so they are safe in every UI and URL. */
export const NAME_PATTERN = '^[A-Za-z0-9_-]+$';
/** Client ids are opaque but printable: letters, digits, `_`, `-`, `:` and `.`. */
export const CLIENT_ID_PATTERN = '^[A-Za-z0-9_.:-]+$';
/**
 * Chat text: anything but control characters, except tab and line feed. C0 controls (other than
 * `\t` and `\n`), DEL and the C1 range are refused so that no message can carry terminal escape
 * sequences (ESC, CSI) or carriage returns into a terminal client.
 */
export const TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]+$';
/** Display names, emoji and other one-line labels: no control characters at all. */
export const LINE_PATTERN = '^[^\\u0000-\\u001F\\u007F-\\u009F]+$';
