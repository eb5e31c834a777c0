// Street Safe's proof of work (ALTCHA, version 1), solved in the browser.
//
// The check page carries a challenge from the server (proof_of_work.py): a
// salt, a SHA-256 digest and the server's signature. This finds the number
// for which SHA-256(salt + number) is that digest, and puts the answer in the
// hidden "proof" field. It costs a person's browser a moment and a script that
// sends thousands of reports a lot. Nothing is loaded from anyone else.
//
// Without this script (or where the browser cannot hash, such as a page not
// served over HTTPS) the form still sends; the server then allows fewer
// reports from the same place each day.

const BATCH = 256
const YIELD_EVERY = 16
// How long "Send" waits for the answer to an easy challenge before sending
// without it (a harder one, level > 0 in its salt, is always waited for).
const WAIT_ON_SUBMIT_MS = 15000

function levelOf (salt) {
  const match = /[?&]level=(\d+)/.exec(salt)
  return match ? Number(match[1]) : 0
}

function bytesOf (hex) {
  const bytes = new Uint8Array(hex.length / 2)
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = parseInt(hex.substr(index * 2, 2), 16)
  }
  return bytes
}

function same (buffer, expected) {
  const actual = new Uint8Array(buffer)
  if (actual.length !== expected.length) return false
  for (let index = 0; index < actual.length; index++) {
    if (actual[index] !== expected[index]) return false
  }
  return true
}

// The number in [0, maxnumber] with digest(salt + number) == challenge, or null.
export async function solve ({ algorithm, challenge, salt, maxnumber }) {
  const encoder = new TextEncoder()
  const expected = bytesOf(challenge)
  for (let start = 0; start <= maxnumber; start += BATCH) {
    const end = Math.min(start + BATCH - 1, maxnumber)
    const work = []
    for (let number = start; number <= end; number++) {
      work.push(crypto.subtle.digest(algorithm, encoder.encode(salt + number)))
    }
    const digests = await Promise.all(work)
    const found = digests.findIndex((digest) => same(digest, expected))
    if (found !== -1) return start + found
    // Now and then, let the page breathe: a long, hard check must not hold up
    // its loading, scrolling or the quick exit.
    if ((start / BATCH) % YIELD_EVERY === YIELD_EVERY - 1) {
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
  }
  return null
}

export function payload ({ algorithm, challenge, salt, signature }, number) {
  return btoa(JSON.stringify({ algorithm, challenge, number, salt, signature }))
}

function start (form) {
  const proof = form.querySelector('input[name="proof"]')
  const data = form.dataset
  const challenge = {
    algorithm: data.algorithm,
    challenge: data.challenge,
    salt: data.salt,
    signature: data.signature,
    maxnumber: Number(data.maxnumber)
  }
  const work = solve(challenge)
    .then((number) => {
      if (number !== null) proof.value = payload(challenge, number)
    })
    .catch(() => {}) // no answer: the report still goes, unproven

  // Sent before the answer is ready: say so, wait for it, then send. Sent
  // once: a second press (while waiting or after) must not send again, or
  // send without the answer.
  const status = form.querySelector('[data-streetsafe-proof-status]')
  let sending = false
  form.addEventListener('submit', (event) => {
    if (sending) {
      event.preventDefault()
      return
    }
    sending = true
    if (proof.value) return
    event.preventDefault()
    if (status) status.textContent = status.dataset.message
    // A harder challenge (many reports from this connection today) is always
    // waited for: sent without its answer, the report would count against the
    // far smaller number allowed without one. An easy one is waited for a while.
    const wait = levelOf(challenge.salt) > 0
      ? work
      : Promise.race([work, new Promise((resolve) => setTimeout(resolve, WAIT_ON_SUBMIT_MS))])
    wait.then(() => form.submit())
  })
}

const form = document.querySelector('form[data-streetsafe-proof]')
if (form && window.crypto && window.crypto.subtle) {
  start(form)
}
