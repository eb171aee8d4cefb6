// The dashboard: login, then the map with its filters and site list, or one site's page (#/site/ID).
import { ApiError, apiKey, clearApiKey, getAllPages, getJson, setApiKey } from './api.js';
import { h } from './dom.js';
import { emptyFilters, filterSites, hasTimeRange, timeParams } from './filters.js';
import { MapView } from './mapview.js';
import { settingsDialog } from './settings.js';
import { SiteList } from './sitelist.js';
import { renderSitePage } from './sitepage.js';
import { tlpBadge } from './tlp.js';

const app = document.getElementById('app');
// What the browser tests read: load and filter timings (ms), and whether the map is ready.
const probe = { loadMs: null, filterMs: [], sites: 0, shown: 0 };
window.plumewatch = probe;

let state = null;

function setPhase(phase) {
  document.body.dataset.state = phase;
}

function loginScreen(message = '') {
  setPhase('login');
  const input = h('input', { type: 'password', name: 'key', id: 'api-key', autocomplete: 'off', required: true,
    placeholder: 'partner API key', size: 48 });
  const form = h('form', { className: 'login', onsubmit: async (event) => {
    event.preventDefault();
    setApiKey(input.value.trim());
    start();
  } },
  h('h1', {}, 'plumewatch'),
  h('p', {}, 'Sign in with the API key your agency was given (plumewatch partners add). '
    + 'It stays in this browser tab only.'),
  h('label', { for: 'api-key' }, 'API key'), input,
  h('button', { type: 'submit', className: 'primary' }, 'Sign in'),
  message ? h('p', { className: 'error', role: 'alert' }, message) : null);
  app.replaceChildren(form);
  input.focus();
}

async function start() {
  if (!apiKey()) {
    loginScreen();
    return;
  }
  setPhase('loading');
  app.replaceChildren(h('p', { className: 'loading' }, 'Loading the catalog…'));
  try {
    const began = performance.now();
    const [partner, config, sites, plumes] = await Promise.all([
      getJson('/api/v1/me'), getJson('/api/v1/dashboard/config'),
      getAllPages('/api/v1/sites'), getAllPages('/api/v1/plumes')]);
    state = {
      partner, config, sites, plumes, filters: emptyFilters(), timeIds: null, timeKey: 'null/null', indices: [],
    };
    buildShell();
    state.map.setSites(sites);
    state.map.setPlumes(plumes);
    await applyFilters();
    probe.loadMs = performance.now() - began;
    probe.sites = sites.length;
    state.map.addOperationalLayers(config.layers).catch((error) => console.warn(error));
    probe.markerCount = () => state.map.sitesLayer.getLayers().length;
    probe.sitePoint = (siteId) => state.map.pointOf(siteId);
    window.addEventListener('hashchange', route);
    route();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      clearApiKey();
      loginScreen('That key was not accepted (unknown, revoked or mistyped).');
    } else {
      setPhase('error');
      app.replaceChildren(h('p', { className: 'error', role: 'alert' }, `Could not load the catalog: ${error.message}`),
        h('button', { onclick: () => start() }, 'Try again'));
    }
  }
}

function buildShell() {
  const { partner, config } = state;
  const header = h('header', { className: 'top' },
    h('a', { href: '#/', className: 'brand' }, 'plumewatch'),
    h('span', { className: 'partner', id: 'partner' }, `Signed in as ${partner.name}`,
      partner.organisation ? ` (${partner.organisation}${partner.country ? `, ${partner.country}` : ''})` : '',
      ' · cleared up to ', tlpBadge(partner.max_tlp)),
    h('button', { onclick: settingsDialog }, 'Settings'),
    h('button', { id: 'logout', onclick: () => { clearApiKey(); window.location.hash = '#/'; window.location.reload(); } },
      'Sign out'));
  const gases = [...new Set(state.sites.flatMap((s) => s.gases))].sort();
  const filters = h('form', { className: 'filters', id: 'filters', onsubmit: (e) => e.preventDefault() },
    h('input', { type: 'search', name: 'text', placeholder: 'search site id', 'aria-label': 'search site id' }),
    h('label', {}, 'Gas ', h('select', { name: 'gas' }, h('option', { value: '' }, 'any'),
      gases.map((g) => h('option', { value: g }, g.toUpperCase())))),
    h('fieldset', {}, h('legend', {}, 'Status'), config.statuses.map((s) =>
      h('label', {}, h('input', { type: 'checkbox', name: 'status', value: s }), ` ${s}`))),
    h('fieldset', {}, h('legend', {}, 'Marking'), config.tlp_levels.map((t) =>
      h('label', {}, h('input', { type: 'checkbox', name: 'tlp', value: t }), ' ', tlpBadge(t)))),
    h('fieldset', {}, h('legend', {}, 'Detected between (UTC days)'),
      h('input', { type: 'date', name: 'since', 'aria-label': 'since' }), ' – ',
      h('input', { type: 'date', name: 'until', 'aria-label': 'until' })),
    h('fieldset', {}, h('legend', {}, 'Area'),
      h('button', { type: 'button', id: 'draw-area', onclick: drawArea }, 'Draw area'),
      h('button', { type: 'button', id: 'clear-area', onclick: () => setArea(null) }, 'Clear'),
      h('span', { id: 'area-text' }, ' whole map')));
  // 'input' fires for every control here (text, select, checkbox, date); 'change' would apply twice.
  filters.addEventListener('input', readFilters);
  const count = h('p', { className: 'count', id: 'site-count', 'aria-live': 'polite' });
  const list = h('div', { className: 'site-list', id: 'site-list', role: 'listbox' });
  const mapElement = h('div', { id: 'map' });
  const mapPage = h('main', { className: 'map-page', id: 'map-page' },
    h('aside', { className: 'side' }, filters, count, list), mapElement);
  const sitePage = h('main', { className: 'site-page-holder', id: 'site-page', hidden: true });
  app.replaceChildren(header, mapPage, sitePage);
  state.count = count;
  state.filterForm = filters;
  state.list = new SiteList(list, { onSelect: select, onOpen: (id) => { window.location.hash = `#/site/${id}`; } });
  state.map = new MapView(mapElement, { onSelect: select, enhancement: config.enhancement });
}

let filterRound = 0;

async function readFilters() {
  const form = state.filterForm;
  const f = state.filters;
  f.text = form.text.value;
  f.gas = form.gas.value;
  f.statuses = new Set([...form.querySelectorAll('input[name=status]:checked')].map((i) => i.value));
  f.tlps = new Set([...form.querySelectorAll('input[name=tlp]:checked')].map((i) => i.value));
  f.since = form.since.value;
  f.until = form.until.value;
  await applyFilters();
}

// Filter the sites and redraw list and map together; records the time from input to both redrawn.
async function applyFilters() {
  const round = ++filterRound;
  const began = performance.now();
  setPhase('filtering');
  const range = timeParams(state.filters);
  const rangeKey = `${range.since}/${range.until}`;
  if (rangeKey !== state.timeKey) {
    const ids = hasTimeRange(state.filters)
      ? new Set((await getAllPages('/api/v1/sites', range)).map((s) => s.site_id))
      : null;
    if (round !== filterRound) return;
    state.timeIds = ids;
    state.timeKey = rangeKey;
  }
  const indices = filterSites(state.sites, state.filters, state.timeIds);
  state.indices = indices;
  state.list.setItems(state.sites, indices);
  state.map.showSites(indices);
  state.count.textContent = `${indices.length} of ${state.sites.length} sites`;
  probe.shown = indices.length;
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  probe.filterMs.push(performance.now() - began);
  if (round === filterRound) setPhase('ready');
}

function drawArea() {
  state.count.textContent = 'Drag a rectangle on the map…';
  state.map.drawArea(setArea);
}

function setArea(area) {
  state.filters.area = area;
  state.map.showArea(area);
  document.getElementById('area-text').textContent = area
    ? ` ${area.map((v) => v.toFixed(3)).join(', ')}` : ' whole map';
  applyFilters();
}

function select(siteId, from) {
  state.list.select(siteId, { scroll: from !== 'list' });
  state.map.select(siteId, { pan: from === 'list' });
}

async function route() {
  const match = /^#\/site\/(.+)$/.exec(window.location.hash);
  const mapPage = document.getElementById('map-page');
  const sitePage = document.getElementById('site-page');
  if (match) {
    mapPage.hidden = true;
    sitePage.hidden = false;
    setPhase('loading');
    try {
      await renderSitePage(sitePage, decodeURIComponent(match[1]), state.config);
      setPhase('site');
    } catch (error) {
      sitePage.replaceChildren(h('p', { className: 'error', role: 'alert' },
        error.status === 404 ? 'No such site, or it is not releasable to you.' : `Error: ${error.message}`),
      h('a', { href: '#/' }, '← Map'));
      setPhase('site-error');
    }
  } else {
    sitePage.hidden = true;
    sitePage.replaceChildren();
    mapPage.hidden = false;
    state.map.map.invalidateSize();
    setPhase('ready');
  }
}

start();
