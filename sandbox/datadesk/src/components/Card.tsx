import { useId, type ReactNode } from 'react';

interface CardProps {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  className?: string;
}

/** A titled panel; the title labels the section for assistive tech. */
export function Card({ title, subtitle, children, className }: CardProps) {
  const id = useId();
  return (
    <section className={['card', className].filter(Boolean).join(' ')} aria-labelledby={id}>
      <div className="card-header">
        <h2 id={id} className="card-title">{title}</h2>
        {subtitle && <p className="card-subtitle">{subtitle}</p>}
      </div>
      {children}
    </section>
  );
}
