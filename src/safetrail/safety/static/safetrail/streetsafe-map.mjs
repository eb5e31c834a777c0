// The public Street Safe map: where people reported feeling unsafe.
//
// The page already says everything in words and links to the table; this
// script only draws it. Areas come from the JSON API for the part of the map
// in view, so a big deployment never sends everything at once. Without a
// configured tile server there is no base map at all (no other host is ever
// contacted): a faint grid over the service's area gives a sense of place.
// Text is set with textContent, never as HTML, so nothing from the server
// can run as code.

const mapElement = document.getElementById('streetsafe-map')
const configElement = mapElement && document.getElementById(mapElement.dataset.config)
const status = document.getElementById('streetsafe-map-status')
const LABEL_ZOOM = 12

function say (text) {
  if (status) status.textContent = text
}

function format (template, values) {
  return template.replace(/%\((\w+)\)s/g, (match, name) => String(values[name] ?? ''))
}

function monthName (value) {
  // value is "YYYY-MM": shown as "May 2024" in the page's language.
  const [year, month] = value.split('-').map(Number)
  if (!year || !month) return value
  const language = document.documentElement.lang || 'en'
  try {
    return new Intl.DateTimeFormat(language, { month: 'long', year: 'numeric', timeZone: 'UTC' })
      .format(new Date(Date.UTC(year, month - 1, 1)))
  } catch (error) {
    return value
  }
}

function element (tag, className, text) {
  const made = document.createElement(tag)
  if (className) made.className = className
  if (text !== undefined) made.textContent = text
  return made
}

// The legend's swatches carry the colours (from the stylesheet), so the map
// and its key can never disagree.
function stepColours () {
  return Array.from(document.querySelectorAll('#streetsafe-map-legend [data-step]'))
    .map((swatch) => window.getComputedStyle(swatch).backgroundColor)
}

function stepOf (reports, steps) {
  let found = 0
  steps.forEach((low, index) => { if (reports >= low) found = index })
  return found
}

function actionLines (actions, config) {
  const list = element('ul', 'safetrail-map-popup__actions')
  for (const action of actions) {
    const kind = config.kinds[action.kind] || action.label
    const line = element('li')
    line.appendChild(element('strong', '', monthName(action.month) + ': '))
    line.appendChild(document.createTextNode(kind + '. ' + action.description))
    list.appendChild(line)
  }
  return list
}

function cellPopup (properties, config) {
  const text = config.text
  const box = element('div', 'safetrail-map-popup')
  box.appendChild(element('p', 'safetrail-map-popup__title', format(text.area, { cell: properties.cell })))
  box.appendChild(element('p', '', format(text.reports, { count: properties.reports })))
  box.appendChild(element('p', '', format(text.first, { month: monthName(properties.first_month) })))
  box.appendChild(element('p', '', format(text.last, { month: monthName(properties.last_month) })))
  if (properties.actions && properties.actions.length) {
    box.appendChild(element('p', 'safetrail-map-popup__title', text.action))
    box.appendChild(actionLines(properties.actions, config))
  }
  return box
}

function actionPopup (cell, actions, config) {
  const box = element('div', 'safetrail-map-popup')
  box.appendChild(element('p', 'safetrail-map-popup__title', config.text.action))
  box.appendChild(element('p', '', format(config.text.area, { cell })))
  box.appendChild(actionLines(actions, config))
  return box
}

function drawGrid (L, map, area) {
  // A faint graticule over the service's area: about ten lines each way.
  const [south, west, north, east] = area
  const step = Math.max(north - south, east - west) / 10
  const lines = []
  for (let lat = south; lat <= north + 1e-9; lat += step) lines.push([[lat, west], [lat, east]])
  for (let lng = west; lng <= east + 1e-9; lng += step) lines.push([[south, lng], [north, lng]])
  L.polyline(lines, { className: 'safetrail-map-grid', interactive: false, weight: 1 }).addTo(map)
  L.rectangle([[south, west], [north, east]], {
    className: 'safetrail-map-area', interactive: false, fill: false, weight: 2
  }).addTo(map)
}

function boxFor (map, config) {
  // The view, padded so hexagons at the edge are fetched too, and no bigger
  // than the API answers for (around the centre when zoomed far out).
  const bounds = map.getBounds().pad(0.1)
  let south = bounds.getSouth()
  let north = bounds.getNorth()
  let west = bounds.getWest()
  let east = bounds.getEast()
  let clipped = false
  const half = config.maxBox / 2 - 1e-6
  const centre = map.getCenter()
  if (north - south > config.maxBox) {
    south = centre.lat - half
    north = centre.lat + half
    clipped = true
  }
  if (east - west > config.maxBox) {
    west = centre.lng - half
    east = centre.lng + half
    clipped = true
  }
  const clamp = (value, limit) => Math.max(-limit, Math.min(limit, value))
  return {
    bbox: [clamp(south, 90), clamp(west, 180), clamp(north, 90), clamp(east, 180)]
      .map((value) => value.toFixed(5)).join(','),
    clipped
  }
}

async function getJSON (url) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/geo+json, application/json' } })
  if (!response.ok) throw new Error(String(response.status))
  return response.json()
}

function start (L, config) {
  const [south, west, north, east] = config.area
  const map = L.map(mapElement, {
    attributionControl: Boolean(config.tiles),
    zoomControl: false,
    zoomSnap: 0.25
  })
  // Leaflet's own buttons say "Zoom in" in English whatever the page's language.
  L.control.zoom({ zoomInTitle: config.text.zoomInButton, zoomOutTitle: config.text.zoomOutButton }).addTo(map)
  mapElement.setAttribute('role', 'region')
  mapElement.setAttribute('aria-label', config.text.map)
  map.fitBounds([[south, west], [north, east]])
  if (config.tiles) {
    map.attributionControl.setPrefix(false)
    L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map)
  } else {
    mapElement.classList.add('safetrail-map--plain')
    drawGrid(L, map, config.area)
  }

  const colours = stepColours()
  const areas = L.layerGroup().addTo(map)
  // Actions above the areas, whatever order they arrive in.
  map.createPane('safetrail-actions')
  map.getPane('safetrail-actions').style.zIndex = 450
  const actionsLayer = L.layerGroup().addTo(map)
  const drawn = new Set()
  const ticks = new Map()
  let request = 0

  function showLabels () {
    mapElement.classList.toggle('safetrail-map--far', map.getZoom() < LABEL_ZOOM)
  }

  function drawCell (feature) {
    const properties = feature.properties
    drawn.add(properties.cell)
    const step = stepOf(properties.reports, config.steps)
    const ring = feature.geometry.coordinates[0].map(([lng, lat]) => [lat, lng])
    const shape = L.polygon(ring, {
      className: 'safetrail-map-cell safetrail-map-cell--' + (step + 1),
      color: '#0b0c0c',
      weight: 1,
      fillColor: colours[step],
      fillOpacity: config.tiles ? 0.7 : 1
    })
    const popup = () => cellPopup(properties, config)
    shape.bindPopup(popup)
    areas.addLayer(shape)
    // The count as text on the area, so colour is never the only clue. It is
    // a keyboard-focusable button that opens the same details.
    const acted = Boolean(properties.actions && properties.actions.length)
    let title = format(config.text.area, { cell: properties.cell }) + '. ' +
      format(config.text.reports, { count: properties.reports })
    if (acted) title += '. ' + config.text.action
    if (ticks.has(properties.cell)) {
      actionsLayer.removeLayer(ticks.get(properties.cell))
      ticks.delete(properties.cell)
    }
    const label = L.marker([properties.centre_latitude, properties.centre_longitude], {
      icon: L.divIcon({
        className: 'safetrail-map-count' + (acted ? ' safetrail-map-count--action' : ''),
        html: '',
        iconSize: null
      }),
      title,
      keyboard: true
    })
    label.bindPopup(popup)
    label.on('add', () => {
      const node = label.getElement()
      if (node) {
        node.textContent = String(properties.reports) + (acted ? ' \u2713' : '')
        node.setAttribute('aria-label', title)
      }
    })
    areas.addLayer(label)
  }

  async function loadCells () {
    const mine = ++request
    const { bbox, clipped } = boxFor(map, config)
    let data
    try {
      data = await getJSON(config.cellsUrl + '?bbox=' + encodeURIComponent(bbox))
    } catch (error) {
      say(config.text.failed)
      return
    }
    if (mine !== request) return // a newer view has been asked for
    for (const feature of data.features) {
      // Areas already drawn stay as they are, so an open popup is not closed
      // when opening it pans the map and the view is fetched again.
      if (!drawn.has(feature.properties.cell)) drawCell(feature)
    }
    const count = data.features.length
    let message = count ? format(config.text.showing, { count }) : config.text.none
    if (clipped) message += ' ' + config.text.zoomIn
    say(message)
  }

  async function loadActions () {
    let data
    try {
      data = await getJSON(config.actionsUrl)
    } catch (error) {
      return
    }
    const byCell = new Map()
    for (const feature of data.features) {
      const cell = feature.properties.cell
      if (!byCell.has(cell)) byCell.set(cell, { feature, actions: [] })
      byCell.get(cell).actions.push(feature.properties)
    }
    for (const [cell, { feature, actions }] of byCell) {
      const ring = feature.geometry.coordinates[0].map(([lng, lat]) => [lat, lng])
      const outline = L.polygon(ring, {
        pane: 'safetrail-actions',
        className: 'safetrail-map-action',
        color: '#00703c',
        weight: 4,
        dashArray: '8 6',
        fill: false
      })
      const popup = () => actionPopup(cell, actions, config)
      outline.bindPopup(popup)
      actionsLayer.addLayer(outline)
      // An area on the map already shows the tick on its count; one with too
      // few reports to show gets a tick of its own at its centre.
      if (drawn.has(cell)) continue
      const corners = ring.slice(0, -1)
      const centre = [
        corners.reduce((sum, [lat]) => sum + lat, 0) / corners.length,
        corners.reduce((sum, [, lng]) => sum + lng, 0) / corners.length
      ]
      const title = config.text.action + '. ' + format(config.text.area, { cell })
      const tick = L.marker(centre, {
        icon: L.divIcon({ className: 'safetrail-map-tick', html: '', iconSize: null }),
        title,
        keyboard: true
      })
      tick.bindPopup(popup)
      tick.on('add', () => {
        const node = tick.getElement()
        if (node) {
          node.textContent = '\u2713'
          node.setAttribute('aria-label', title)
        }
      })
      ticks.set(cell, tick)
      actionsLayer.addLayer(tick)
    }
  }

  map.on('moveend', loadCells)
  map.on('zoomend', showLabels)
  showLabels()
  say(config.text.loading)
  loadCells()
  loadActions()
}

if (mapElement && configElement) {
  const config = JSON.parse(configElement.textContent)
  if (window.L) {
    start(window.L, config)
  } else {
    say(config.text.failed)
  }
}
