import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

interface Props {
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
 * A destructive button that asks first: the first click shows the question with the
 * confirming button and "Cancel" (focused, so Enter does not destroy by habit; Escape cancels).
 */
export function ConfirmButton({
  label,
  ariaLabel,
  question,
  confirmLabel,
  onConfirm,
  pending,
  className,
}: Props) {
  const [asking, setAsking] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);
  const questionId = useId();
  const wasAsking = useRef(false);

  useEffect(() => {
    if (asking) cancelRef.current?.focus();
    else if (wasAsking.current) openerRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  const escapeCancels = (event: KeyboardEvent) => {
    if (event.key === 'Escape') setAsking(false);
  };

  if (!asking) {
    return (
      <button
        ref={openerRef}
        type="button"
        className={className ?? 'btn btn-small btn-danger'}
        aria-label={ariaLabel}
        disabled={pending}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <div className="confirm" role="group" aria-labelledby={questionId}>
      <p id={questionId} className="confirm-question">
        {question}
      </p>
      <div className="actions">
        <button
          type="button"
          className="btn btn-small btn-danger-solid"
          disabled={pending}
          onKeyDown={escapeCancels}
          onClick={() => {
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
  );
}
