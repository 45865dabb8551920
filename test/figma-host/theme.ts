// Figma's theme for plugin UIs shown with `figma.showUI(html, { themeColors: true })`: Figma puts
// the class `figma-light` or `figma-dark` on the iframe's <html> and a <style> that defines the
// --figma-color-* tokens (https://developers.figma.com/docs/plugins/css-variables). Modelled by
// rewriting the HTML before it is loaded, so it works for any way of loading the iframe
// (srcdoc, sandboxed, opaque origin): the host page cannot reach into an opaque-origin frame.
//
// The tokens below are the subset of Figma's semantic colour tokens a plugin panel uses, with
// Figma's UI3 values for the Figma editor (FigJam's differ and are not modelled). Names follow
// Figma's list; a token not listed here is simply undefined in the emulator, as a misspelt one
// would be in Figma, so a plugin using it shows up as uncoloured in the screenshots.

export type FigmaTheme = 'light' | 'dark';

export const THEME_TOKENS: Record<FigmaTheme, Record<string, string>> = {
  light: {
    '--figma-color-bg': '#ffffff',
    '--figma-color-bg-secondary': '#f5f5f5',
    '--figma-color-bg-tertiary': '#e6e6e6',
    '--figma-color-bg-hover': '#f5f5f5',
    '--figma-color-bg-pressed': '#f5f5f5',
    '--figma-color-bg-selected': '#e5f4ff',
    '--figma-color-bg-selected-strong': '#0d99ff',
    '--figma-color-bg-brand': '#0d99ff',
    '--figma-color-bg-brand-hover': '#007be5',
    '--figma-color-bg-brand-tertiary': '#e5f4ff',
    '--figma-color-bg-danger': '#f24822',
    '--figma-color-bg-danger-tertiary': '#ffe2e0',
    '--figma-color-bg-warning-tertiary': '#fff1c2',
    '--figma-color-bg-disabled': '#d9d9d9',
    '--figma-color-text': 'rgba(0, 0, 0, 0.9)',
    '--figma-color-text-secondary': 'rgba(0, 0, 0, 0.5)',
    '--figma-color-text-tertiary': 'rgba(0, 0, 0, 0.3)',
    '--figma-color-text-brand': '#007be5',
    '--figma-color-text-onbrand': '#ffffff',
    '--figma-color-text-danger': '#dc3412',
    '--figma-color-text-warning': '#b86200',
    '--figma-color-text-success': '#009951',
    '--figma-color-text-disabled': 'rgba(0, 0, 0, 0.3)',
    '--figma-color-text-ondisabled': '#ffffff',
    '--figma-color-border': '#e6e6e6',
    '--figma-color-border-strong': '#2c2c2c',
    '--figma-color-border-selected': '#0d99ff',
    '--figma-color-border-brand-strong': '#007be5',
    '--figma-color-border-danger-strong': '#dc3412',
    '--figma-color-border-disabled': '#e6e6e6',
    '--figma-color-icon': 'rgba(0, 0, 0, 0.9)',
    '--figma-color-icon-secondary': 'rgba(0, 0, 0, 0.5)',
    '--figma-color-icon-tertiary': 'rgba(0, 0, 0, 0.3)',
    '--figma-color-icon-brand': '#007be5',
  },
  dark: {
    '--figma-color-bg': '#2c2c2c',
    '--figma-color-bg-secondary': '#383838',
    '--figma-color-bg-tertiary': '#444444',
    '--figma-color-bg-hover': '#383838',
    '--figma-color-bg-pressed': '#383838',
    '--figma-color-bg-selected': '#4a5878',
    '--figma-color-bg-selected-strong': '#0c8ce9',
    '--figma-color-bg-brand': '#0c8ce9',
    '--figma-color-bg-brand-hover': '#0a6dc2',
    '--figma-color-bg-brand-tertiary': '#394360',
    '--figma-color-bg-danger': '#e03e1a',
    '--figma-color-bg-danger-tertiary': '#7c2622',
    '--figma-color-bg-warning-tertiary': '#c58011',
    '--figma-color-bg-disabled': '#757575',
    '--figma-color-text': '#ffffff',
    '--figma-color-text-secondary': 'rgba(255, 255, 255, 0.7)',
    '--figma-color-text-tertiary': 'rgba(255, 255, 255, 0.4)',
    '--figma-color-text-brand': '#7cc4f8',
    '--figma-color-text-onbrand': '#ffffff',
    '--figma-color-text-danger': '#fca397',
    '--figma-color-text-warning': '#f7d15f',
    '--figma-color-text-success': '#79d297',
    '--figma-color-text-disabled': 'rgba(255, 255, 255, 0.4)',
    '--figma-color-text-ondisabled': '#2c2c2c',
    '--figma-color-border': '#444444',
    '--figma-color-border-strong': 'rgba(255, 255, 255, 0.9)',
    '--figma-color-border-selected': '#0c8ce9',
    '--figma-color-border-brand-strong': '#7cc4f8',
    '--figma-color-border-danger-strong': '#fca397',
    '--figma-color-border-disabled': '#444444',
    '--figma-color-icon': '#ffffff',
    '--figma-color-icon-secondary': 'rgba(255, 255, 255, 0.7)',
    '--figma-color-icon-tertiary': 'rgba(255, 255, 255, 0.4)',
    '--figma-color-icon-brand': '#7cc4f8',
  },
};

/** The <style> Figma adds: the tokens on :root. */
export function themeCss(theme: FigmaTheme): string {
  return `:root {\n${Object.entries(THEME_TOKENS[theme])
    .map(([k, v]) => `  ${k}: ${v};`)
    .join('\n')}\n}`;
}

/**
 * The plugin's HTML as Figma shows it with themeColors: the theme class on <html> (added to any
 * class the plugin set) and the token <style> first in <head>, before the plugin's own CSS.
 */
export function applyTheme(html: string, theme: FigmaTheme): string {
  const style = `<style id="figma-style">${themeCss(theme)}</style>`;
  const cls = `figma-${theme}`;
  let out = /<html\b[^>]*>/i.test(html) ? html : `<html>${html}</html>`;
  out = out.replace(/<html\b([^>]*)>/i, (_m, attrs: string) => {
    const m = /\bclass\s*=\s*(["'])(.*?)\1/i.exec(attrs);
    const next = m ? attrs.replace(m[0], `class="${`${m[2]} ${cls}`.trim()}"`) : `${attrs} class="${cls}"`;
    return `<html${next}>`;
  });
  if (/<head\b[^>]*>/i.test(out)) return out.replace(/<head\b[^>]*>/i, (h) => h + style);
  return out.replace(/<html\b[^>]*>/i, (h) => `${h}<head>${style}</head>`);
}
