export { type DevToken, type DevTokenOptions, issueDevToken } from './dev.js'
export { createPseudonyms, type Pseudonyms } from './pseudonym.js'
export {
  authorizeRead,
  type ReadScope,
  requireIdentity,
  requireIngester,
  requireReader,
  type ScopeFilter,
} from './scope.js'
export {
  type AuthConfig,
  AuthError,
  type AuthErrorReason,
  bearerToken,
  createVerifier,
  parseTtl,
  signToken,
  type Verifier,
} from './tokens.js'
