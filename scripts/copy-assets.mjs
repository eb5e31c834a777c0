// Copies the files Safetrail serves from its front-end packages into
// build/static, where Django's static files finder looks. Only these files are
// served: the rest of each package (sources, docs, fixtures) never is.
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'

const files = [
  ['node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js', 'govuk/govuk-frontend.min.js'],
  ['node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js.map', 'govuk/govuk-frontend.min.js.map']
]

for (const [source, target] of files) {
  const destination = join('build', 'static', target)
  mkdirSync(dirname(destination), { recursive: true })
  copyFileSync(source, destination)
}
