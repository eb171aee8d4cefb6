// User settings kept in this browser: the optional online tile source (off by default).
const SETTINGS_NAME = 'plumewatch.settings';

export function loadSettings() {
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(SETTINGS_NAME) || '{}');
  } catch {
    saved = {};
  }
  return { tiles: { enabled: false, url: '', attribution: '', ...(saved.tiles || {}) } };
}

export function saveSettings(settings) {
  localStorage.setItem(SETTINGS_NAME, JSON.stringify(settings));
}

export function settingsDialog() {
  const settings = loadSettings();
  const dialog = document.createElement('dialog');
  dialog.className = 'settings';
  dialog.innerHTML = `
    <form method="dialog">
      <h2>Settings</h2>
      <p>The map works offline with its built-in country outlines. An online tile source adds detail
         but sends the map's view to that server: leave it off in the field.</p>
      <label><input type="checkbox" name="enabled"> Use an online tile source</label>
      <label>Tile URL template <input name="url" size="50" placeholder="https://tile.example.org/{z}/{x}/{y}.png"></label>
      <label>Attribution <input name="attribution" size="50"></label>
      <menu><button value="cancel">Cancel</button><button value="save" class="primary">Save and reload</button></menu>
    </form>`;
  const form = dialog.querySelector('form');
  form.enabled.checked = settings.tiles.enabled;
  form.url.value = settings.tiles.url;
  form.attribution.value = settings.tiles.attribution;
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'save') {
      saveSettings({ tiles: { enabled: form.enabled.checked, url: form.url.value.trim(),
        attribution: form.attribution.value.trim() } });
      window.location.reload();
    }
    dialog.remove();
  });
  document.body.append(dialog);
  dialog.showModal();
}
