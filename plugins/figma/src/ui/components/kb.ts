/** A byte count as the library shows it: kB below 1 MB, else MB with two decimals. */
export const kb = (n: number) => (n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} kB` : `${(n / 1024 / 1024).toFixed(2)} MB`);
