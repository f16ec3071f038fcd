import { createContext, useContext } from 'react'

/** What calls made outside tRPC (file exports) need from the session. */
export interface Access {
  token: string | null
  /** Reports a refused call, so a 401 ends the session as it does for tRPC calls. */
  onStatus: (status: number, message: string) => void
}

export const AccessContext = createContext<Access>({ token: null, onStatus: () => {} })

export const useAccess = (): Access => useContext(AccessContext)
