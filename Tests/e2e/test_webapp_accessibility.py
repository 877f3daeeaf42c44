"""Readable and touchable: text colours meet WCAG AA contrast in both themes, and phone tap targets are 44 px."""

from e2e_support import api_chat, user_session

# The contrast ratio of each text colour variable against each surface it is drawn on, in the page itself.
CONTRAST = """
const root = getComputedStyle(document.documentElement);
const hex = (name) => root.getPropertyValue(name).trim();
const lum = (h) => {
  const v = h.replace('#', '');
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(v.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const out = [];
for (const text of ['--text', '--text-muted', '--text-faint', '--link', '--danger', '--warning']) {
  for (const surface of ['--bg', '--bg-sidebar', '--bg-raised', '--bg-bubble', '--bg-input', '--bg-hover']) {
    out.push([text, surface, hex(text), hex(surface), ratio(hex(text), hex(surface))]);
  }
}
return out;
"""


def test_text_colours_meet_wcag_aa_contrast_in_both_themes(browser, user):
    browser.login_with_cookie(user)
    for theme in ("light", "dark"):
        browser.js(f"document.documentElement.dataset.theme = '{theme}'")
        low = [row for row in browser.js(CONTRAST) if row[4] < 4.5]
        assert not low, f"{theme}: below 4.5:1: {low}"


# Every control a finger can reach on the chat page, with its size.
TARGETS = """
const seen = [];
for (const el of document.querySelectorAll('button, a[href], select, [role="button"], summary')) {
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  if (box.width === 0 || box.height === 0 || style.visibility === 'hidden' || el.closest('[hidden]')) continue;
  if (el.closest('.md, .markdown, .msg-body')) continue;  // links inside answers are text, not controls
  seen.push([el.id || el.className || el.tagName, Math.round(box.width), Math.round(box.height)]);
}
return seen;
"""


def test_phone_tap_targets_are_at_least_44_px(mobile_browser, server, user):
    api_chat(server.base_url, user_session(server.base_url, user), "Tap targets [[mock:reply=ok]]")
    browser = mobile_browser
    browser.login_with_cookie(user)
    small = [t for t in browser.js(TARGETS) if t[1] < 44 or t[2] < 44]
    browser.screenshot("phone_tap_targets")
    assert not small, f"controls under 44 px: {small}"
    # The drawer too.
    browser.find("#drawer-open").click()
    browser.wait(lambda d: browser.js("return document.querySelector('.sidebar').classList.contains('open')"), 10,
                 "the drawer did not open")
    small = [t for t in browser.js(TARGETS) if t[1] < 44 or t[2] < 44]
    browser.screenshot("phone_tap_targets_drawer")
    assert not small, f"controls in the drawer under 44 px: {small}"
