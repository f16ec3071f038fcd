import react from '@vitejs/plugin-react'
import { defineConfig, loadEnv } from 'vite'

export default defineConfig(({ mode }) => {
  // API_PORT (else the server's PORT) only steers the dev proxy; the built app uses its own origin.
  const env = loadEnv(mode, process.cwd(), '')
  const api = `http://127.0.0.1:${env.API_PORT || env.PORT || '3000'}`
  return {
    plugins: [react()],
    server: {
      port: Number(env.DASHBOARD_PORT || 5173),
      proxy: { '/api': { target: api, ws: true, changeOrigin: true } },
    },
    preview: { proxy: { '/api': { target: api, ws: true, changeOrigin: true } } },
    build: {
      outDir: 'dist',
      sourcemap: true,
      // ECharts alone is ~600 kB minified even trimmed to four series; keep it in its own,
      // long-cached chunk rather than warn about it on every build.
      chunkSizeWarningLimit: 700,
      rolldownOptions: {
        output: {
          codeSplitting: {
            groups: [
              { name: 'echarts', test: /node_modules[\\/](echarts|zrender)[\\/]/ },
              { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            ],
          },
        },
      },
    },
  }
})
