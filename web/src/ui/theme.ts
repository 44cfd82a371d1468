/**
 * Light, dark, or as the system says. The choice (not a secret) is kept in localStorage and set as
 * `data-theme` on <html>; the stylesheet follows `prefers-color-scheme` when there is none.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'agentd.theme';

export function currentTheme(): ThemeChoice {
  const stored = localStorage.getItem(KEY);
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

export function applyTheme(choice: ThemeChoice): void {
  if (choice === 'system') {
    localStorage.removeItem(KEY);
    delete document.documentElement.dataset.theme;
  } else {
    localStorage.setItem(KEY, choice);
    document.documentElement.dataset.theme = choice;
  }
}

export function nextTheme(choice: ThemeChoice): ThemeChoice {
  return choice === 'system' ? 'light' : choice === 'light' ? 'dark' : 'system';
}
