/** Chats worked at once per process and lane; one channel's share is capped by CHANNEL_MAX_IN_FLIGHT. */
export const LANE_SLOTS = { agent: 64, send: 128, report: 32 } as const;

/** SIGTERM: calls under way get this long to finish before their chats are given back. */
export const SHUTDOWN_GRACE_MS = 10_000;
