/** Ticket ids: short, URL-safe and sortable by creation time (`t_` + base36 ms + random). */
import { randomBytes } from 'node:crypto';

/** Base36 of the epoch ms, padded so ids sort lexically in creation order until the year 5188. */
const TIME_WIDTH = 9;

export function newTicketId(now = Date.now()): string {
  const time = now.toString(36).padStart(TIME_WIDTH, '0');
  const rand = BigInt(`0x${randomBytes(5).toString('hex')}`)
    .toString(36)
    .padStart(8, '0')
    .slice(-6);
  return `t_${time}${rand}`;
}

export const TICKET_ID_RE = /^t_[0-9a-z]{15}$/;
