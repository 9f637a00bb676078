/**
 * Focus for a list whose items can be removed (deleted, ended, or moved out by a filter): once
 * the item has left the list, the focus goes to the item that followed it, or to the one before
 * it when it was the last, or to a fallback when none is left.
 */
import { useCallback, useEffect, useRef } from 'react';
import { focusFirstControl } from '../components/focus';

function focusLost(): boolean {
  const active = document.activeElement;
  return !active || active === document.body || !active.isConnected;
}

/** The items that may take the focus after `removed` leaves `keys`: the next ones, then the previous ones. */
export function focusCandidates<K>(keys: readonly K[], removed: K): K[] {
  const at = keys.indexOf(removed);
  if (at === -1) return [];
  return [...keys.slice(at + 1), ...keys.slice(0, at).reverse()];
}

interface Pending<K> {
  removed: K;
  candidates: K[];
  /** The list the removal was asked in (filters, page): another list makes it moot. */
  context: string;
}

/**
 * `keys`: the items shown, in order. `context`: what selects them (filter, search, page); a
 * removal asked under another context is dropped. `fallback`: focused when no item is left.
 */
export function useRemovalFocus<K>(keys: readonly K[] | undefined, context: string, fallback: () => void) {
  const elements = useRef(new Map<K, HTMLElement>());
  const pending = useRef<Pending<K> | null>(null);
  const fallbackRef = useRef(fallback);
  useEffect(() => {
    fallbackRef.current = fallback;
  });

  useEffect(() => {
    const asked = pending.current;
    if (!asked || !keys) return;
    if (asked.context !== context) {
      // Another list now (a filter, or the page before, when the removed item was the last of
      // the last page). If the focus went with the item, it goes to the fallback; if the user
      // moved it (to a filter, say), it stays there.
      pending.current = null;
      if (focusLost()) fallbackRef.current();
      return;
    }
    if (keys.includes(asked.removed)) return; // not gone yet (the list refetches)
    pending.current = null;
    const next = asked.candidates.find((key) => keys.includes(key));
    if (next === undefined || !focusFirstControl(elements.current.get(next))) fallbackRef.current();
  }, [keys, context]);

  const itemRef = useCallback(
    (key: K) => (element: HTMLElement | null) => {
      if (element) elements.current.set(key, element);
      else elements.current.delete(key);
    },
    [],
  );
  const removing = (key: K) => {
    pending.current = keys ? { removed: key, candidates: focusCandidates(keys, key), context } : null;
  };
  const cancel = () => {
    pending.current = null;
  };

  /** What an item of the list is given (see RemovableItemProps). */
  return (key: K): RemovableItemProps<K> => ({
    itemRef: itemRef(key),
    onLeaving: removing,
    onStaying: cancel,
  });
}

/** The props by which an item of a list tells useRemovalFocus about itself. */
export interface RemovableItemProps<K> {
  /** The ref of the item's element, whose first control takes the focus when a neighbour goes. */
  itemRef: (element: HTMLElement | null) => void;
  /** The item is about to leave the list (a delete, a change that a filter hides). */
  onLeaving: (key: K) => void;
  /** It stays after all (the change failed): the focus stays where it is. */
  onStaying: () => void;
}
