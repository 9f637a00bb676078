/**
 * Where the keyboard focus goes when what held it disappears: never <body>, which sends a
 * keyboard or screen-reader user back to the top of the document.
 */

/** The page's main heading (every page's <h1> has tabIndex -1 so that it can take the focus). */
export function focusMainHeading(): void {
  document.querySelector<HTMLElement>('main h1')?.focus();
}

/** Focuses the first control inside `element` (an item of a list); false when there is none. */
export function focusFirstControl(element: Element | null | undefined): boolean {
  const control = element?.querySelector<HTMLElement>('input, select, textarea, button, a[href]');
  if (!control) return false;
  control.focus();
  return true;
}
