// Starts the GOV.UK Frontend components on the page.
//
// The quick exit replaces the current history entry instead of adding one, so
// pressing Back from the exit site does not come straight back here. Every
// other behaviour (button, Shift three times, overlay) is GOV.UK's own.
const script = document.querySelector('script[data-govuk-frontend]')

async function start () {
  const govuk = await import(script.dataset.govukFrontend)

  class QuickExit extends govuk.ExitThisPage {
    exitPage () {
      if (!this.$updateSpan) return
      this.$updateSpan.textContent = ''
      document.body.classList.add('govuk-exit-this-page-hide-content')
      this.$overlay = document.createElement('div')
      this.$overlay.className = 'govuk-exit-this-page-overlay'
      this.$overlay.setAttribute('role', 'alert')
      this.$overlay.textContent = this.i18n.t('activated')
      document.body.appendChild(this.$overlay)
      window.location.replace(this.$button.href)
    }
  }

  govuk.createAll(QuickExit)
  for (const Component of [
    govuk.Button,
    govuk.CharacterCount,
    govuk.Checkboxes,
    govuk.ErrorSummary,
    govuk.NotificationBanner,
    govuk.PasswordInput,
    govuk.Radios,
    govuk.ServiceNavigation,
    govuk.SkipLink,
    govuk.Tabs,
    govuk.Accordion
  ]) {
    govuk.createAll(Component)
  }
}

if (script && document.body.classList.contains('govuk-frontend-supported')) {
  start()
}

// Idle sign-out warning, for signed-in pages. The server signs the person out
// after the idle time whatever happens here; this only warns them first and
// lets them stay. It asks the server how long is left, so several open tabs
// agree, and it never counts as activity itself.
const idleDialog = document.getElementById('idle-warning')

function startIdleWarning (dialog) {
  const timeout = Number(dialog.dataset.timeout)
  const warning = Number(dialog.dataset.warning)
  const keepAlive = dialog.querySelector('form[data-keep-alive]')
  let deadline = Date.now() + timeout * 1000
  let timer = null

  async function refresh () {
    try {
      const response = await fetch(dialog.dataset.statusUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      if (response.redirected || !response.ok) return signedOut()
      const { seconds_left: left } = await response.json()
      deadline = Date.now() + left * 1000
    } catch (error) {
      // Offline for a moment: keep the local estimate.
    }
    schedule()
  }

  function signedOut () {
    window.location.replace(dialog.dataset.signedOutUrl)
  }

  function schedule () {
    window.clearTimeout(timer)
    const left = deadline - Date.now()
    if (left <= 0) return signedOut()
    if (left <= warning * 1000) {
      if (!dialog.open) dialog.showModal()
      timer = window.setTimeout(refresh, Math.min(left, 15000))
    } else {
      if (dialog.open) dialog.close()
      timer = window.setTimeout(refresh, left - warning * 1000)
    }
  }

  keepAlive.addEventListener('submit', async (event) => {
    event.preventDefault()
    const response = await fetch(keepAlive.action, {
      method: 'POST',
      body: new FormData(keepAlive),
      credentials: 'same-origin',
      headers: { Accept: 'application/json' }
    })
    if (!response.ok) return signedOut()
    const { seconds_left: left } = await response.json()
    deadline = Date.now() + left * 1000
    dialog.close()
    schedule()
  })

  schedule()
}

if (idleDialog) startIdleWarning(idleDialog)
