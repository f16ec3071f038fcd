/** Zones offered in the selector; the server's and the browser's own zone are added when missing. */
export const COMMON_ZONES = [
  'UTC',
  'America/Los_Angeles',
  'America/Denver',
  'America/Chicago',
  'America/New_York',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Berlin',
  'Africa/Johannesburg',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Adelaide',
  'Australia/Sydney',
  'Pacific/Auckland',
] as const

function browserZone(): string | null {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null
  } catch {
    return null
  }
}

/** The selector's list: common zones plus any extra (server, browser, chosen) not already in it. */
export function zoneOptions(...extra: (string | null | undefined)[]): string[] {
  const list: string[] = [...COMMON_ZONES]
  for (const z of [...extra, browserZone()]) {
    if (z && !list.includes(z)) list.push(z)
  }
  return list
}
