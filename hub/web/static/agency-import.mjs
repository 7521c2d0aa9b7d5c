// The import progress page refreshes its progress itself, once a second, until the import
// has finished. Without JavaScript the page has a "Refresh" link that does the same.
const region = document.getElementById('import-progress')

async function refresh () {
  const response = await fetch(window.location.href, { headers: { Accept: 'text/html' } })
  if (!response.ok) return
  const page = new DOMParser().parseFromString(await response.text(), 'text/html')
  const fresh = page.getElementById('import-progress')
  if (!fresh) return
  region.innerHTML = fresh.innerHTML
  region.dataset.finished = fresh.dataset.finished
  hideRefreshLink()
  if (fresh.dataset.finished !== 'yes') window.setTimeout(refresh, 1000)
}

function hideRefreshLink () {
  const link = document.getElementById('refresh')
  if (link) link.hidden = true
}

if (region && region.dataset.finished !== 'yes') {
  hideRefreshLink()
  window.setTimeout(refresh, 1000)
}
