import { baseConfig } from '@leads/vitest-config'

export default baseConfig
