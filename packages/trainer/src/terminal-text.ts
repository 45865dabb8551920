// Text from files (pack fields, paths, decoder messages) never reaches the terminal raw: C0 and
// C1 controls (escape sequences can clear the screen, retitle the window, fake output) and bidi
// marks/overrides (which reorder what is shown) are printed as visible \uXXXX escapes.
// Newlines and tabs stay: the CLI's own messages are multi-line.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
