// Copies the files Safetrail serves from its front-end packages into
// build/static, where Django's static files finder looks. Only these files are
// served: the rest of each package (sources, docs, fixtures) never is.
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'

const files = [
  ['node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js', 'govuk/govuk-frontend.min.js'],
  ['node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js.map', 'govuk/govuk-frontend.min.js.map'],
  // Street Safe's maps. Tiles come only from a server the deployment configures.
  ['node_modules/leaflet/dist/leaflet.js', 'leaflet/leaflet.js'],
  ['node_modules/leaflet/dist/leaflet.js.map', 'leaflet/leaflet.js.map'],
  ['node_modules/leaflet/dist/leaflet.css', 'leaflet/leaflet.css'],
  ['node_modules/leaflet/dist/images/layers.png', 'leaflet/images/layers.png'],
  ['node_modules/leaflet/dist/images/layers-2x.png', 'leaflet/images/layers-2x.png'],
  ['node_modules/leaflet/dist/images/marker-icon.png', 'leaflet/images/marker-icon.png'],
  ['node_modules/leaflet/dist/images/marker-icon-2x.png', 'leaflet/images/marker-icon-2x.png'],
  ['node_modules/leaflet/dist/images/marker-shadow.png', 'leaflet/images/marker-shadow.png']
]

for (const [source, target] of files) {
  const destination = join('build', 'static', target)
  mkdirSync(dirname(destination), { recursive: true })
  copyFileSync(source, destination)
}
