// The offline basemap: Natural Earth 1:50m countries (world-atlas), shipped with the bundle;
// an online tile source only when the user has switched one on in the settings.
import L from 'leaflet';
import { feature } from 'topojson-client';
import { loadSettings } from './settings.js';

let countriesPromise = null;

function countries() {
  if (!countriesPromise) {
    countriesPromise = fetch('basemap-countries-50m.json')
      .then((response) => response.json())
      .then((topology) => feature(topology, topology.objects.countries));
  }
  return countriesPromise;
}

export function addBasemap(map) {
  map.getContainer().style.background = '#c9dceb';
  // Its own pane under the overlays (and over online tiles): the outlines load after the sites are drawn.
  const pane = map.createPane('basemap');
  pane.style.zIndex = 250;
  const layer = L.geoJSON(null, {
    style: { color: '#8a8a7a', weight: 0.8, fillColor: '#f2efe6', fillOpacity: 1 },
    interactive: false,
    pane: 'basemap',
    renderer: L.canvas({ pane: 'basemap' }),
  });
  countries().then((collection) => layer.addData(collection));
  const bases = { 'Offline countries (Natural Earth)': layer };
  const tiles = loadSettings().tiles;
  if (tiles.enabled && tiles.url) {
    bases['Online tiles'] = L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 19 }).addTo(map);
  } else {
    layer.addTo(map);
  }
  return bases;
}
