export const REGIONS = ['North', 'South', 'East', 'West'] as const;
export type Region = (typeof REGIONS)[number];

export const ORDER_STATUSES = ['completed', 'shipped', 'pending', 'refunded', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface Order {
  id: string;
  /** YYYY-MM-DD */
  date: string;
  /** YYYY-MM */
  month: string;
  customer_id: string;
  customer: string;
  region: Region;
  product: string;
  quantity: number;
  /** Order value in USD, after discount. */
  amount: number;
  status: OrderStatus;
}

export interface Customer {
  id: string;
  name: string;
  region: Region;
  segment: 'SMB' | 'Mid-market' | 'Enterprise';
  signup_date: string;
}

export interface Product {
  id: string;
  name: string;
  category: 'Subscription' | 'Add-on' | 'Services' | 'Usage';
  price: number;
}

export interface RegionInfo {
  name: Region;
  manager: string;
  /** Annual revenue target in USD. */
  target: number;
}
