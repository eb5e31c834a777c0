// Street Safe reporting: the map on the place step, and the time-of-day question
// on the details step.
//
// Every page works without this script: the server always shows the grid of
// squares and the boxes for typed coordinates. The script adds a map over the
// same grid (Leaflet, served by this site; base map tiles only when the
// deployment configures a tile server) and fills in the hidden latitude,
// longitude and "located by" fields when someone taps it or uses their
// device's location. One way at a time: choosing a square or typing numbers
// takes the pin off the map, and placing the pin clears them.

// --- the details step -----------------------------------------------------------

// "Now" needs no time of day: the server takes it from the clock. The date is
// only asked for "another day". (Without the script both are on show, and
// the server ignores what does not apply.)
function startWhen (radios, band) {
  const day = radios.querySelector('[data-streetsafe-day]')
  const update = () => {
    const chosen = radios.querySelector('input[name="when"]:checked')
    band.hidden = chosen !== null && chosen.value === 'now'
    if (day) day.hidden = chosen === null || chosen.value !== 'another_day'
  }
  radios.addEventListener('change', update)
  update()
}

// --- the place step -------------------------------------------------------------

const PIN_STYLE = { radius: 10, color: '#0b0c0c', weight: 3, fillColor: '#ffdd00', fillOpacity: 1 }
const SQUARE_STYLE = { color: '#505a5f', weight: 1, fill: false, interactive: false }
const CHOSEN_SQUARE_STYLE = { color: '#1d70b8', weight: 4, fill: true, fillColor: '#1d70b8', fillOpacity: 0.15 }
const AREA_STYLE = { color: '#0b0c0c', weight: 3, fill: false, interactive: false }

function startMap (panel, L) {
  const form = panel.closest('form')
  const input = (name) => form.querySelector(`input[name="${name}"]`)
  const fields = {
    latitude: input('latitude'),
    longitude: input('longitude'),
    locatedBy: input('located_by'),
    now: input('now')
  }
  const typed = [input('typed_latitude'), input('typed_longitude')]
  const squares = Array.from(form.querySelectorAll('input[name="square"]'))
  const alternatives = form.querySelector('[data-streetsafe-alternatives]')
  const status = panel.querySelector('[data-streetsafe-map-status]')
  const data = panel.dataset
  const say = (message) => { status.textContent = message }

  const area = L.latLngBounds([Number(data.south), Number(data.west)], [Number(data.north), Number(data.east)])
  const size = Number(data.size)

  panel.hidden = false
  const element = panel.querySelector('.safetrail-report-map')
  element.setAttribute('role', 'region')
  element.setAttribute('aria-label', data.i18nMapLabel)
  const map = L.map(element, {
    attributionControl: false,
    zoomControl: false,
    maxBounds: area.pad(0.5),
    maxBoundsViscosity: 0.8,
    zoomSnap: 0.25
  })
  L.control.zoom({ zoomInTitle: data.i18nZoomIn, zoomOutTitle: data.i18nZoomOut }).addTo(map)
  map.fitBounds(area, { paddingTopLeft: [48, 8], paddingBottomRight: [8, 8] })
  map.setMinZoom(Math.max(0, map.getZoom() - 1))
  if (data.tileUrl) {
    L.control.attribution({ prefix: false }).addTo(map)
    L.tileLayer(data.tileUrl, { attribution: data.tileAttribution, maxZoom: 19 }).addTo(map)
  } else {
    element.classList.add('safetrail-report-map--plain')
  }
  const rectangles = drawGrid(L, map, area, size)

  let pin = null
  let chosen = null

  function highlight (code) {
    if (chosen) chosen.setStyle(SQUARE_STYLE)
    chosen = rectangles.get(code) || null
    if (chosen) chosen.setStyle(CHOSEN_SQUARE_STYLE)
  }

  function showPin (latlng) {
    if (pin) {
      pin.setLatLng(latlng)
    } else {
      pin = L.circleMarker(latlng, { ...PIN_STYLE, interactive: false }).addTo(map)
    }
  }

  function placePin (latlng, how, message) {
    fields.latitude.value = latlng.lat.toFixed(6)
    fields.longitude.value = latlng.lng.toFixed(6)
    fields.locatedBy.value = how
    if (how === 'device') fields.now.value = '1'
    showPin(latlng)
    for (const square of squares) square.checked = false
    for (const box of typed) if (box) box.value = ''
    highlight(null)
    say(message)
  }

  function removePin () {
    for (const field of Object.values(fields)) field.value = ''
    if (pin) {
      pin.remove()
      pin = null
    }
    say('')
  }

  map.on('click', (event) => {
    if (!area.contains(event.latlng)) return say(data.i18nOutside)
    placePin(event.latlng, 'map', data.i18nPlaced)
  })

  panel.querySelector('[data-streetsafe-centre]').addEventListener('click', () => {
    const centre = map.getCenter()
    if (!area.contains(centre)) return say(data.i18nOutside)
    placePin(centre, 'map', data.i18nPlaced)
  })

  const locate = panel.querySelector('[data-streetsafe-locate]')
  if (!('geolocation' in navigator)) {
    locate.hidden = true
  }
  locate.addEventListener('click', () => {
    say(data.i18nLocating)
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const here = L.latLng(position.coords.latitude, position.coords.longitude)
        if (!area.contains(here)) return say(data.i18nLocationOutside)
        placePin(here, 'device', data.i18nLocated)
        map.setView(here, Math.max(map.getZoom(), 16))
      },
      () => say(data.i18nLocationFailed),
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
    )
  })

  // Using the grid or typed numbers instead: the pin comes off the map.
  form.addEventListener('change', (event) => {
    if (event.target.name === 'square') {
      removePin()
      for (const box of typed) if (box) box.value = ''
      highlight(event.target.value)
    }
  })
  form.addEventListener('input', (event) => {
    if (typed.includes(event.target) && event.target.value) {
      removePin()
      for (const square of squares) square.checked = false
      highlight(null)
    }
  })

  // Coming back to this step: show what was chosen before.
  if (fields.latitude.value && fields.longitude.value) {
    const before = L.latLng(Number(fields.latitude.value), Number(fields.longitude.value))
    showPin(before)
    map.setView(before, Math.max(map.getZoom(), 15))
  }
  const checked = squares.find((square) => square.checked)
  if (checked) highlight(checked.value)

  // The map is the main way now; the grid and typed numbers fold away unless
  // they were used or have an error to fix.
  if (alternatives && alternatives.hasAttribute('data-fold')) {
    alternatives.open = false
  }
}

// The same squares as the server's grid (area.py): rows from north to south
// lettered A, B..., columns from west to east numbered 1, 2...
function drawGrid (L, map, area, size) {
  const south = area.getSouth()
  const west = area.getWest()
  const height = (area.getNorth() - south) / size
  const width = (area.getEast() - west) / size
  const rectangles = new Map()
  for (let row = 0; row < size; row++) {
    const north = area.getNorth() - row * height
    for (let column = 0; column < size; column++) {
      const bounds = L.latLngBounds(
        [north - height, west + column * width],
        [north, west + (column + 1) * width]
      )
      rectangles.set(`${row}-${column}`, L.rectangle(bounds, SQUARE_STYLE).addTo(map))
      const label = L.marker(bounds.getCenter(), {
        icon: L.divIcon({ className: 'safetrail-report-map__label', html: '', iconSize: [32, 20] }),
        interactive: false,
        keyboard: false
      }).addTo(map)
      const labelElement = label.getElement()
      labelElement.textContent = String.fromCharCode(65 + row) + String(column + 1)
      // The grid below the map says the same for screen readers.
      labelElement.setAttribute('aria-hidden', 'true')
    }
  }
  L.rectangle(area, AREA_STYLE).addTo(map)
  return rectangles
}

// --- start ---------------------------------------------------------------------

const panel = document.querySelector('[data-streetsafe-map]')
if (panel && window.L) {
  startMap(panel, window.L)
}

const whenRadios = document.querySelector('[data-streetsafe-when]')
const bandQuestion = document.querySelector('[data-streetsafe-band]')
if (whenRadios && bandQuestion) {
  startWhen(whenRadios, bandQuestion)
}
