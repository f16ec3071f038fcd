import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import type { Viewer } from '../lib/auth'
import { choiceKey, loadDemoUsers, requestDevToken } from '../lib/devUsers'

interface ViewAsProps {
  viewer: Viewer | null
  /** Called with a token for the chosen user; the page then reconnects as them. */
  onPick: (token: string) => void
}

/**
 * `pnpm dev` only (the server hands out development tokens): look at the dashboard as an admin,
 * a manager or an agent, with the token the API would give them.
 */
export function ViewAs({ viewer, onPick }: ViewAsProps) {
  const users = useQuery({
    queryKey: ['dev', 'demo-users'],
    queryFn: loadDemoUsers,
    staleTime: Number.POSITIVE_INFINITY,
  })
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const list = users.data ?? []
  const current = choiceKey(viewer)
  const listed = list.some((u) => u.key === current)

  const pick = async (key: string) => {
    const user = list.find((u) => u.key === key)
    if (!user) return
    setPending(true)
    setError(null)
    try {
      const token = await requestDevToken(user.claims)
      if (token === null) throw new Error('the server no longer hands out development tokens')
      onPick(token)
    } catch (err) {
      setError(`Could not switch user: ${(err as Error).message}`)
      setPending(false)
    }
  }

  return (
    <label className="select-field view-as">
      <span>View as</span>
      <select
        value={listed && current ? current : ''}
        onChange={(e) => void pick(e.target.value)}
        disabled={!users.data || pending}
        data-testid="view-as"
      >
        {!listed && (
          <option value="">
            {viewer ? `${viewer.role} · ${viewer.sub}` : users.data ? 'Nobody' : 'Loading…'}
          </option>
        )}
        {list.map((u) => (
          <option key={u.key} value={u.key}>
            {u.label}
          </option>
        ))}
      </select>
      {error && (
        <span className="view-as-error" role="alert">
          {error}
        </span>
      )}
    </label>
  )
}
