// Traffic Light Protocol 2.0 labels as FIRST's standard shows them: coloured text on black.
export const TLP_COLOURS = {
  clear: '#FFFFFF',
  green: '#33FF00',
  amber: '#FFC000',
  'amber+strict': '#FFC000',
  red: '#FF2B2B',
};

export const tlpText = (tlp) => `TLP:${String(tlp).toUpperCase()}`;

export function tlpBadge(tlp, releaseTo = []) {
  const badge = document.createElement('span');
  badge.className = 'tlp-badge';
  badge.dataset.tlp = tlp;
  badge.style.color = TLP_COLOURS[tlp] || '#FFFFFF';
  badge.textContent = tlpText(tlp);
  if (releaseTo && releaseTo.length) {
    badge.textContent += ` REL ${releaseTo.join(',')}`;
    badge.title = `releasable only to ${releaseTo.join(', ')}`;
  }
  return badge;
}
