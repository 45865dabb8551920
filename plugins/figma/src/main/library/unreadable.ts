// Index entries this version of the plugin cannot read (written by a newer version, or damaged).
// Both stores keep them verbatim in their index and never delete the bytes they may refer to:
// a newer plugin, or a fixed one, can still read them.

/** What the listing says about an entry it cannot read. */
export function unreadableNote(raw: unknown, where: string): string {
  const name = raw && typeof raw === 'object' ? (raw as { name?: unknown; id?: unknown }).name ?? (raw as { id?: unknown }).id : undefined;
  const label = typeof name === 'string' && name ? JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name) : 'One pack';
  return `${label} is unreadable (written by a newer version?); it stays ${where}, untouched. Update the plugin to use it.`;
}
