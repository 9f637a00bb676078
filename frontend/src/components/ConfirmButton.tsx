import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

interface Options {
  /** The button's text, e.g. "Delete". */
  label: string;
  /** Accessible name of the first button when the label alone is ambiguous in a list. */
  ariaLabel?: string;
  /** What will happen, asked before doing it. */
  question: ReactNode;
  /** Text of the button that does it, e.g. "Yes, delete". */
  confirmLabel: string;
  onConfirm: () => void;
  pending?: boolean;
  className?: string;
}

/**
 * A destructive action that asks first. The first button stays where it is (`aria-expanded`);
 * the question, with the confirming button and "Cancel", is a separate block that the caller
 * places under the action: `opener` goes with the other actions, `prompt` (null until asked)
 * after them, across the whole width. Asking focuses "Cancel", so Enter does not destroy by
 * habit; Escape or Cancel close the question and give the focus back to the first button.
 *
 * While `pending`, the buttons are `aria-disabled` (clicks ignored) rather than `disabled`,
 * which would drop the focus on <body>.
 */
export function useConfirm({
  label,
  ariaLabel,
  question,
  confirmLabel,
  onConfirm,
  pending = false,
  className,
}: Options) {
  const [asking, setAsking] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);
  const promptId = useId();
  const wasAsking = useRef(false);

  useEffect(() => {
    if (asking) cancelRef.current?.focus();
    else if (wasAsking.current) openerRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  const escapeCancels = (event: KeyboardEvent) => {
    if (event.key === 'Escape') setAsking(false);
  };

  const opener = (
    <button
      ref={openerRef}
      type="button"
      className={className ?? 'btn btn-small btn-danger'}
      aria-label={ariaLabel}
      aria-expanded={asking}
      aria-controls={asking ? promptId : undefined}
      aria-disabled={pending || undefined}
      onKeyDown={escapeCancels}
      onClick={() => {
        if (!pending) setAsking((now) => !now);
      }}
    >
      {label}
    </button>
  );
  const prompt = asking ? (
    <div id={promptId} className="confirm" role="group" aria-labelledby={`${promptId}-question`}>
      <p id={`${promptId}-question`} className="confirm-question">
        {question}
      </p>
      <div className="actions">
        <button
          type="button"
          className="btn btn-small btn-danger-solid"
          aria-disabled={pending || undefined}
          onKeyDown={escapeCancels}
          onClick={() => {
            if (pending) return;
            onConfirm();
            setAsking(false);
          }}
        >
          {confirmLabel}
        </button>
        <button
          ref={cancelRef}
          type="button"
          className="btn btn-small"
          onKeyDown={escapeCancels}
          onClick={() => setAsking(false)}
        >
          Cancel
        </button>
      </div>
    </div>
  ) : null;
  return { opener, prompt };
}

/** useConfirm's button with its question right under it, as one block (e.g. alone in a card). */
export function ConfirmButton(options: Options) {
  const { opener, prompt } = useConfirm(options);
  return (
    <div className="confirm-block">
      {opener}
      {prompt}
    </div>
  );
}
