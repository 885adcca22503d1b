import { type ReactNode, useId, useState } from 'react';

/**
 * A section that is always open on wide screens and folds behind its heading on narrow ones
 * (`collapsible` is true below ~700 px).
 */
export function Collapsible({
  title,
  summary,
  collapsible,
  defaultOpen = false,
  className = '',
  children,
}: {
  title: string;
  summary?: ReactNode;
  collapsible: boolean;
  defaultOpen?: boolean;
  className?: string;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(defaultOpen);
  const bodyId = useId();
  const shown = !collapsible || open;
  return (
    <section className={`collapsible ${className}`} aria-label={title}>
      {collapsible ? (
        <h2 className="collapsible-heading">
          <button type="button" aria-expanded={open} aria-controls={bodyId} onClick={() => setOpen(!open)}>
            <span className="chevron" aria-hidden="true">
              {open ? '▾' : '▸'}
            </span>
            {title}
            {summary !== undefined && <span className="collapsible-summary">{summary}</span>}
          </button>
        </h2>
      ) : (
        <h2 className="section-heading">
          {title}
          {summary !== undefined && <span className="collapsible-summary">{summary}</span>}
        </h2>
      )}
      <div id={bodyId} hidden={!shown}>
        {children}
      </div>
    </section>
  );
}
