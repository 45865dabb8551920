/**
 * Pack id from a free-form name: lower-case letters, digits and dashes (at most 64), "style" if
 * nothing is left. Accents are dropped ("Été" → "ete"), not turned into dashes.
 */
export function slug(name: string): string {
  const s = name.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64).replace(/-+$/, '');
  return s || 'style';
}
