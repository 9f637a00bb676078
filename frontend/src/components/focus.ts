import { useEffect, useRef, type RefObject } from 'react';

/**
 * Where the keyboard focus goes when what held it disappears: never <body>, which sends a
 * keyboard or screen-reader user back to the top of the document.
 */

/**
 * Where a page starts: the message it marks `data-page-focus` when it has one that comes first
 * (a reset link that no longer works), else its main heading (every page's <h1> has tabIndex -1
 * so that it can take the focus).
 */
export function focusMainHeading(): void {
  (
    document.querySelector<HTMLElement>('main [data-page-focus]') ??
    document.querySelector<HTMLElement>('main h1')
  )?.focus();
}

/**
 * A ref for a message that takes the focus when it appears (it needs tabIndex -1): what a submit
 * replaced its form with, so the focus does not fall to <body> with the form's button.
 */
export function useFocusOnMount<T extends HTMLElement>(): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}

/** Focuses the first control inside `element` (an item of a list); false when there is none. */
export function focusFirstControl(element: Element | null | undefined): boolean {
  const control = element?.querySelector<HTMLElement>('input, select, textarea, button, a[href]');
  if (!control) return false;
  control.focus();
  return true;
}
