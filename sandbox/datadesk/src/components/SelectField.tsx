import { useId } from 'react';

export interface SelectOption<T extends string> {
  value: T;
  label: string;
}

interface SelectFieldProps<T extends string> {
  label: string;
  value: T;
  options: readonly SelectOption<T>[];
  onChange: (value: T) => void;
  /** Used as data-testid on the <select>, e.g. "filter-region". */
  testId?: string;
  /** Label beside the control instead of above it (for dense toolbars). */
  inline?: boolean;
}

/** A labelled <select>. Always use this for filters so every control has a visible label. */
export function SelectField<T extends string>({ label, value, options, onChange, testId, inline }: SelectFieldProps<T>) {
  const id = useId();
  return (
    <div className={inline ? 'field field-inline' : 'field'}>
      <label htmlFor={id} className="field-label">{label}</label>
      <select id={id} className="select" value={value} data-testid={testId} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>{o.label}</option>
        ))}
      </select>
    </div>
  );
}
