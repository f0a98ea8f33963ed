/**
 * The TOSCA timestamp grammar (9.1.2.1): RFC 3339 — a full-date (`2024-01-31`) or a date-time
 * (`2024-01-31T12:00:00.5+01:00`, `T`/`t`, `Z`/`z`), with real calendar dates (leap years), hours
 * 00-23, minutes 00-59 and seconds 00-60, where 60 (a leap second, RFC 3339 5.7) is only valid at
 * 23:59 UTC. `-00:00` is read as UTC, as the standard says. YAML's relaxed `!!timestamp` notation
 * with spaces is not RFC 3339 and is refused.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2})))?$/;

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export function isTimestamp(text: string): boolean {
  const m = RFC3339.exec(text);
  if (!m) return false;
  const [, y, mo, d, h, mi, s, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false;
  if (h === undefined) return true;
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (hour > 23 || minute > 59 || second > 60) return false;
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return false;
  if (second === 60) {
    const utc = (((hour * 60 + minute - offset) % 1440) + 1440) % 1440;
    return utc === 23 * 60 + 59;
  }
  return true;
}
