// A virtualised list of sites: only the rows in view exist in the DOM, so 10,000 sites scroll freely.
import { tlpBadge } from './tlp.js';
import { gasColour } from './style.js';

const ROW_HEIGHT_PX = 58;
const OVERSCAN_ROWS = 6;

export class SiteList {
  constructor(container, { onSelect, onOpen }) {
    this.container = container;
    this.onSelect = onSelect;
    this.onOpen = onOpen;
    this.sites = [];
    this.indices = [];
    this.selectedId = null;
    this.spacer = document.createElement('div');
    this.spacer.className = 'list-spacer';
    this.container.append(this.spacer);
    this.container.addEventListener('scroll', () => this.render());
  }

  setItems(sites, indices) {
    this.sites = sites;
    this.indices = indices;
    this.spacer.style.height = `${indices.length * ROW_HEIGHT_PX}px`;
    this.render();
  }

  select(siteId, { scroll = true } = {}) {
    this.selectedId = siteId;
    if (scroll) {
      const row = this.indices.findIndex((i) => this.sites[i].site_id === siteId);
      if (row >= 0) {
        const view = this.container.clientHeight;
        const top = row * ROW_HEIGHT_PX;
        if (top < this.container.scrollTop || top + ROW_HEIGHT_PX > this.container.scrollTop + view) {
          this.container.scrollTop = Math.max(0, top - view / 2);
        }
      }
    }
    this.render();
  }

  render() {
    const first = Math.max(0, Math.floor(this.container.scrollTop / ROW_HEIGHT_PX) - OVERSCAN_ROWS);
    const shown = Math.ceil(this.container.clientHeight / ROW_HEIGHT_PX) + 2 * OVERSCAN_ROWS;
    const last = Math.min(this.indices.length, first + shown);
    const rows = [];
    for (let row = first; row < last; row += 1) rows.push(this.row(this.sites[this.indices[row]], row));
    this.spacer.replaceChildren(...rows);
  }

  row(site, row) {
    const item = document.createElement('div');
    item.className = 'site-row';
    item.setAttribute('role', 'option');
    item.dataset.siteId = site.site_id;
    item.style.top = `${row * ROW_HEIGHT_PX}px`;
    if (site.site_id === this.selectedId) item.classList.add('selected');
    const head = document.createElement('div');
    head.className = 'site-row-head';
    const id = document.createElement('strong');
    id.textContent = site.site_id;
    const status = document.createElement('span');
    status.className = `status status-${site.status}`;
    status.textContent = site.status;
    head.append(id, status, tlpBadge(site.tlp, site.release_to));
    const facts = document.createElement('div');
    facts.className = 'site-row-facts';
    for (const gas of site.gases) {
      const chip = document.createElement('span');
      chip.className = 'gas-chip';
      chip.style.background = gasColour(gas);
      chip.textContent = gas.toUpperCase();
      facts.append(chip);
    }
    const rate = site.mean_emission_kg_h === null ? '' : ` · ${site.mean_emission_kg_h.toFixed(0)} kg/h`;
    const seen = site.last_seen ? ` · last ${site.last_seen.slice(0, 10)}` : '';
    facts.append(` ${site.n_detections}/${site.n_overflights} seen${rate}${seen}`);
    const open = document.createElement('button');
    open.className = 'open-site';
    open.textContent = 'Open';
    open.title = `Open the page of ${site.site_id}`;
    open.addEventListener('click', (event) => {
      event.stopPropagation();
      this.onOpen(site.site_id);
    });
    head.append(open);
    item.append(head, facts);
    item.addEventListener('click', () => this.onSelect(site.site_id, 'list'));
    return item;
  }
}
