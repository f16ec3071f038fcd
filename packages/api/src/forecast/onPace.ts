/**
 * Weight of the day's forecast against today's own pace, in events: until about this many
 * events were expected by now, the expected total leans on the forecast; after, on the pace.
 */
export const PRIOR_EVENTS = 15

/**
 * The share of a usual day's count that falls before local wall-clock minute `nowMinute`, from
 * counts per quarter-hour of the day (`minute` = its start); the current quarter-hour counts in
 * proportion to the part of it that has passed. Null when the curve is empty.
 */
export function shareBefore(
  curve: readonly { minute: number; count: number }[],
  nowMinute: number,
): number | null {
  let total = 0
  let before = 0
  for (const { minute, count } of curve) {
    total += count
    before += count * Math.min(1, Math.max(0, (nowMinute - minute) / 15))
  }
  return total === 0 ? null : before / total
}

/**
 * Expected end-of-day total from the count so far, the share of a usual day done by now and the
 * day's forecast: the rest of the day is the forecast's rest scaled by today's pace, the pace
 * (so far ÷ expected by now) shrunk towards 1 by `PRIOR_EVENTS` — a Poisson rate with a gamma
 * prior of mean 1. Early in the day, when a few events say little, this is about the forecast;
 * late, about so far ÷ share. Without a usual curve, the larger of the two counts.
 */
export function expectedTotal(soFar: number, share: number | null, forecast: number): number {
  if (share === null) return Math.max(soFar, forecast)
  const pace = (soFar + PRIOR_EVENTS) / (share * forecast + PRIOR_EVENTS)
  return soFar + (1 - share) * forecast * pace
}
