const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const currency = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
const currencyCents = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2 });
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const formatCurrency = (n: number) => currency.format(n);
export const formatCurrencyCents = (n: number) => currencyCents.format(n);
export const formatInteger = (n: number) => integer.format(n);
const fixed2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** Up to 2 decimals; pass 2 to always show exactly 2. */
export const formatNumber = (n: number, fractionDigits?: number) => (fractionDigits === 2 ? fixed2 : decimal).format(n);
export const formatCompactCurrency = (n: number) => `$${compact.format(n)}`;

/** '2025-03' -> 'Mar 2025' (no Date object, so no timezone surprises). */
export function formatMonth(month: string): string {
  const [y, m] = month.split('-');
  return `${MONTH_NAMES[Number(m) - 1]} ${y}`;
}

/** '2025-03' -> 'Mar 25', for chart axes. */
export function formatMonthShort(month: string): string {
  const [y, m] = month.split('-');
  return `${MONTH_NAMES[Number(m) - 1]} ${y.slice(2)}`;
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
