// The emulated theme injection (theme.ts) and the plugin's stylesheet against it: every colour
// the panel uses is one of Figma's tokens, defined in both themes; no colour literals.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { THEME_TOKENS, applyTheme } from './theme.js';

const css = readFileSync(new URL('../../plugins/figma/src/ui/ui.css', import.meta.url), 'utf8');

describe('figma-host theme', () => {
  it('adds the theme class to <html> and the token <style> first in <head>', () => {
    const out = applyTheme('<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><style>p{}</style></head><body></body></html>', 'dark');
    expect(out).toMatch(/<html lang="en" class="figma-dark"><head><style id="figma-style">:root \{\n {2}--figma-color-bg: #2c2c2c;/);
    expect(out.indexOf('id="figma-style"')).toBeLessThan(out.indexOf('<style>p{}'));
    expect(applyTheme('<html class="x"><body></body></html>', 'light')).toMatch(/^<html class="x figma-light"><head><style id="figma-style">/);
  });

  it('light and dark define the same tokens, with different values where Figma differs', () => {
    expect(Object.keys(THEME_TOKENS.dark).sort()).toEqual(Object.keys(THEME_TOKENS.light).sort());
    expect(THEME_TOKENS.light['--figma-color-bg']).toBe('#ffffff');
    expect(THEME_TOKENS.dark['--figma-color-bg']).toBe('#2c2c2c');
  });

  it("the plugin's ui.css takes every colour from a --figma-color-* token that Figma defines", () => {
    const used = [...new Set([...css.matchAll(/var\((--[a-z0-9-]+)\)/g)].map((m) => m[1]!))];
    expect(used.length).toBeGreaterThan(15);
    for (const v of used) expect(THEME_TOKENS.light, `${v} is not one of the modelled Figma tokens`).toHaveProperty([v]);
    const code = css.replace(/\/\*[\s\S]*?\*\//g, '');
    expect(code).not.toMatch(/#[0-9a-f]{3,8}\b|\b(rgb|rgba|hsl|hsla|hwb|lab|lch|oklab|oklch|color-mix)\(|(?<![\w-])(white|black|gr[ae]y|red|blue|transparent)(?![\w-])/i);
    expect(code).toMatch(/html\.figma-dark\s*\{\s*color-scheme:\s*dark;/);
    expect(code).toMatch(/html\.figma-light\s*\{\s*color-scheme:\s*light;/);
  });
});
