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
