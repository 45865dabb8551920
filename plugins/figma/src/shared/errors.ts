// The one way to turn anything thrown into the text a user sees. Not `instanceof Error`: in
// Figma's sandbox the API throws errors from another realm, so read `message` off any object.
export function errText(e: unknown): string {
  return e && typeof e === 'object' && 'message' in e ? String((e as { message: unknown }).message) : String(e);
}
