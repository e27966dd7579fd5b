// The calendar import form: a chosen JSON file is read into the text area, which is what the
// form posts. Without JavaScript the administrator pastes the JSON instead.
document.addEventListener('DOMContentLoaded', () => {
  const input = document.getElementById('calendar-file');
  const area = document.getElementById('arrangement');
  if (!input || !area) return;
  input.addEventListener('change', () => {
    const file = input.files && input.files[0];
    if (!file) return;
    file.text().then((text) => { area.value = text; });
  });
});
