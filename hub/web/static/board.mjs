// The screening board keeps itself up to date: every minute, or when the person follows
// "Refresh the board", it asks only for the cards that changed since it was last drawn and
// puts them in place. Without this script the same link reloads the whole board.

const REFRESH_EVERY_MS = 60 * 1000
const link = document.getElementById('board-refresh')
const board = document.getElementById('board')
const status = document.getElementById('board-status')
const asAt = document.getElementById('board-as-at')

function plural (count, unit) {
  return `${count} ${unit}${count === 1 ? '' : 's'}`
}

// The same words as hub/web/board/present.py's duration().
function duration (minutes) {
  minutes = Math.max(minutes, 0)
  const days = Math.floor(minutes / (24 * 60))
  const hours = Math.floor((minutes % (24 * 60)) / 60)
  const mins = minutes % 60
  const parts = [[days, 'day'], [hours, 'hour'], [mins, 'minute']]
  while (parts.length && parts[0][0] === 0) parts.shift()
  const shown = parts.slice(0, 2).filter(([n]) => n).map(([n, unit]) => plural(n, unit))
  return shown.join(' ') || 'less than a minute'
}

// The same words as present.py's clock_text(), from the card's data and the server's time.
function clockText (card, now) {
  const deadline = card.dataset.deadline
  if (!deadline) {
    const waited = Math.floor((now - Date.parse(card.dataset.received)) / 60000)
    return `Waiting ${duration(waited)} for a rating`
  }
  const left = Math.floor((Date.parse(deadline) - now) / 60000)
  return left < 0 ? `Overdue by ${duration(-left)}` : `${duration(left)} left`
}

function column (rag) {
  return board.querySelector(`section[data-rag="${rag}"] .hub-board__cards`)
}

function place (html, rag, sort) {
  const holder = document.createElement('template')
  holder.innerHTML = html.trim()
  const card = holder.content.firstElementChild
  const list = column(rag)
  const after = Array.from(list.children).find((other) => other.dataset.sort > sort)
  list.insertBefore(card, after || null)
}

function recount () {
  let total = 0
  for (const section of board.querySelectorAll('section[data-rag]')) {
    const count = section.querySelectorAll('.hub-card').length
    total += count
    section.querySelector('.hub-board__count').textContent = `(${count})`
  }
  const empty = document.getElementById('board-empty')
  if (empty) empty.hidden = total > 0
}

function apply (changes) {
  let changed = 0
  for (const id of changes.removed) {
    const card = document.getElementById(`card-${id}`)
    if (card) { card.remove(); changed++ }
  }
  for (const update of changes.cards) {
    const current = document.getElementById(`card-${update.id}`)
    const holder = document.createElement('template')
    holder.innerHTML = update.html.trim()
    const version = holder.content.firstElementChild.dataset.version
    if (current && current.dataset.version === version && current.dataset.sort === update.sort) {
      continue
    }
    // Keep the person's place: a card they are on is redrawn, and focus goes back to it.
    const hadFocus = current && current.contains(document.activeElement)
    if (current) current.remove()
    place(update.html, update.rag, update.sort)
    if (hadFocus) document.querySelector(`#card-${update.id} a`).focus()
    changed++
  }
  const now = Date.parse(changes.now)
  for (const card of board.querySelectorAll('.hub-card')) {
    card.querySelector('[data-clock]').textContent = clockText(card, now)
  }
  recount()
  link.dataset.since = changes.since
  asAt.textContent = `Board as at ${changes.clock}.`
  return changed
}

let refreshing = null

// Said aloud (a live region) when the person asked, or when something changed: a board
// that speaks every minute to say nothing happened is noise.
function announce (changed, asked) {
  if (changed === 0 && !asked) return
  status.textContent = changed === 0 ? 'Nothing changed.' : `${plural(changed, 'contact')} changed.`
}

async function refresh (asked = false) {
  if (refreshing) return refreshing
  const url = new URL(link.dataset.changes, window.location.href)
  url.searchParams.set('since', link.dataset.since)
  refreshing = fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
    .then(async (response) => {
      if (!response.ok) throw new Error(String(response.status))
      announce(apply(await response.json()), asked)
    })
    .catch(() => {
      status.textContent = 'The board could not be refreshed. Reload the page to try again.'
    })
    .finally(() => {
      refreshing = null
      board.dataset.refreshes = String(Number(board.dataset.refreshes || 0) + 1)
    })
  return refreshing
}

if (link && board && status) {
  link.addEventListener('click', (event) => {
    event.preventDefault()
    refresh(true)
  })
  setInterval(() => refresh(false), REFRESH_EVERY_MS)
}
