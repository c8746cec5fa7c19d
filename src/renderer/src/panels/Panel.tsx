import type { ReactNode } from 'react';

export function Panel(props: { id: string; title: string; className?: string; extra?: ReactNode; children: ReactNode; flush?: boolean }) {
  return (
    <section className={`panel ${props.className ?? ''}`} data-testid={`panel-${props.id}`} aria-label={props.title}>
      <div className="panel-head">
        <h2>{props.title}</h2>
        <div className="spacer" />
        {props.extra}
      </div>
      <div className={`panel-body${props.flush ? ' flush' : ''}`}>{props.children}</div>
    </section>
  );
}
