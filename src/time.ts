// Times as Beacon writes them in JSON. Stored and computed times are epoch milliseconds.

/**
 * A time as Beacon's JSON writes it: UTC to the whole second, the seed's own form ("2024-01-15T10:30:00Z"),
 * so a time a client sent comes back as it was sent. Statuspage v2 keeps its milliseconds (`isoMillis`).
 */
export const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : `${new Date(ms).toISOString().slice(0, 19)}Z`);

/** With milliseconds: Statuspage v2's form, and `<time datetime>` in pages (which their script writes the same way). */
export const isoMillis = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/**
 * Whether a time a client sent is the stored one as `iso` showed it: a client's times are stored to the whole
 * second, but those Beacon took itself (now) keep milliseconds the API does not show.
 */
export const sameShownTime = (sent: number, stored: number) => Math.floor(sent / 1000) === Math.floor(stored / 1000);
