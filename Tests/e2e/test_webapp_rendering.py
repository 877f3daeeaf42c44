"""Answers rendered by the vendored libraries: math (KaTeX) in all four delimiters, GFM (marked), highlighted code
(highlight.js), a sanitiser (DOMPurify) that keeps payloads aimed at them inert, all under the strict CSP."""

import re

import requests
from selenium.webdriver.common.by import By

from e2e_support import EXPECTED_PROBES
from test_webapp_security import ATTACKER, no_alert, requested_urls

MATH = "\n".join([
    r"Inline dollars $a^2 + b^2 = c^2$ and parentheses \(x\,y\), with a thin space.",
    "",
    "$$",
    r"\int_0^1 x\,dx = \frac{1}{2}",
    "$$",
    "",
    r"\[",
    r"\sum_{n=1}^{\infty} \frac{1}{n^2} = \frac{\pi^2}{6}",
    r"\]",
    "",
    r"Prices stay text: it costs $5 and $10, and \$x\$ is escaped.",
])

# The facts of the math in the last answer, read in one go.
MATH_FACTS = r"""
const body = [...document.querySelectorAll('#messages article[data-role="assistant"] .msg-body')].pop();
const tex = (el) => el.querySelector('annotation[encoding="application/x-tex"]')?.textContent;
const inline = [...body.querySelectorAll('.math-inline > .katex')];
const display = [...body.querySelectorAll('.math-display > .katex-display')];
const space = body.querySelector('.math-inline .mspace');
const frac = body.querySelector('.math-display .katex-html');
return {
  inline: inline.map(tex), display: display.map(tex),
  thinSpace: space ? parseFloat(getComputedStyle(space).marginRight) : 0,
  fracHeight: frac ? frac.getBoundingClientRect().height / parseFloat(getComputedStyle(body).fontSize) : 0,
  katexFont: getComputedStyle(body.querySelector('.katex')).fontFamily,
  fontReady: document.fonts.check('16px KaTeX_Main') && document.fonts.check('italic 16px KaTeX_Math'),
  text: body.textContent,
  leftovers: [...body.querySelectorAll('p')].map((p) => p.textContent).filter((t) => /\\\(|\\\[|\$\$/.test(t)),
};
"""


def math_facts(browser):
    browser.driver.execute_async_script("document.fonts.ready.then(() => arguments[0]())")
    return browser.js(MATH_FACTS)


def test_math_renders_inline_and_displayed_in_all_four_delimiters(browser, user):
    browser.login_with_cookie(user)

    browser.send("Show some math [[mock:chunks=6]][[mock:reply=" + MATH + "]]")

    browser.wait_answer("complete")
    browser.wait_idle()
    browser.wait(lambda d: len(browser.js(MATH_FACTS)["display"]) == 2, 10, "display math not drawn")
    facts = math_facts(browser)
    # `$…$` and `\(…\)` inline, `$$…$$` and `\[…\]` displayed, each with its TeX source intact (`\,` kept).
    assert facts["inline"] == ["a^2 + b^2 = c^2", r"x\,y"], facts
    assert facts["display"] == [r"\int_0^1 x\,dx = \frac{1}{2}",
                                r"\sum_{n=1}^{\infty} \frac{1}{n^2} = \frac{\pi^2}{6}"], facts
    assert facts["leftovers"] == []
    # KaTeX's layout took effect under the CSP: the thin space has its width, fractions stack, its fonts load.
    assert facts["thinSpace"] > 0, facts
    assert facts["fracHeight"] > 2, facts
    assert "KaTeX_Main" in facts["katexFont"] and facts["fontReady"], facts
    # Dollars that are not math stay text, and an escaped dollar is a dollar.
    assert "it costs $5 and $10, and $x$ is escaped." in facts["text"]
    assert browser.console_errors(allowed=EXPECTED_PROBES) == []
    browser.screenshot("rendering-math")

    # A reload renders the stored text the same way.
    browser.driver.refresh()
    browser.wait_app()
    browser.wait_answer("complete")
    browser.wait(lambda d: len(browser.js(MATH_FACTS)["display"]) == 2, 10, "display math not drawn after reload")
    assert math_facts(browser)["inline"] == facts["inline"]


def test_math_renders_in_chinese_too(zh_browser, user):
    zh_browser.login_with_cookie(user)
    reply = "\n".join([r"勾股定理：$a^2+b^2=c^2$，其中 \(c\) 是斜边。", "", r"\[", r"E = mc^2 \quad\text{（质能）}", r"\]", "", "完。"])

    zh_browser.send("数学 [[mock:reply=" + reply + "]]")

    zh_browser.wait_answer("complete")
    zh_browser.wait_idle()
    facts = math_facts(zh_browser)
    assert facts["inline"] == ["a^2+b^2=c^2", "c"] and len(facts["display"]) == 1, facts
    assert "其中" in facts["text"] and "是斜边。" in facts["text"]
    zh_browser.screenshot("rendering-math-zh")


def test_gfm_tables_lists_and_highlighted_code(browser, user):
    browser.login_with_cookie(user)
    reply = "\n".join([
        "| left | centre | right |", "|:--|:-:|--:|", "| a | **b** | `c` |", "",
        "- outer", "  - inner", "- [x] done", "- [ ] to do", "", "~~gone~~ and https://example.org/auto", "",
        "```js", "const answer = 42; // the answer", "```", "",
        "```", "plain text block", "```",
    ])

    browser.send("Format more [[mock:chunks=7]][[mock:reply=" + reply + "]]")

    browser.wait_answer("complete")
    browser.wait_idle()
    body = browser.wait_answer("complete").find_element(By.CSS_SELECTOR, ".msg-body")
    cells = body.find_elements(By.CSS_SELECTOR, ".table-wrap table td")
    assert [c.text for c in cells] == ["a", "b", "c"]
    assert [c.get_attribute("class") for c in cells] == ["align-left", "align-center", "align-right"]
    assert body.find_element(By.CSS_SELECTOR, "ul ul > li").text == "inner"
    boxes = body.find_elements(By.CSS_SELECTOR, "li input[type=checkbox]")
    assert [b.is_selected() for b in boxes] == [True, False] and all(not b.is_enabled() for b in boxes)
    assert body.find_element(By.CSS_SELECTOR, "del").text == "gone"
    auto = body.find_element(By.LINK_TEXT, "https://example.org/auto")
    assert auto.get_attribute("rel") == "noopener noreferrer" and auto.get_attribute("target") == "_blank"
    blocks = body.find_elements(By.CSS_SELECTOR, ".code-block")
    assert [b.find_element(By.CSS_SELECTOR, ".code-lang").text for b in blocks] == ["js", "text"]
    assert blocks[0].find_element(By.CSS_SELECTOR, ".hljs-keyword").text == "const"
    assert blocks[0].find_element(By.CSS_SELECTOR, ".hljs-number").text == "42"
    assert blocks[0].find_element(By.CSS_SELECTOR, ".hljs-comment").text == "// the answer"
    assert blocks[1].find_elements(By.CSS_SELECTOR, "code span") == []
    copy = blocks[0].find_element(By.CSS_SELECTOR, ".code-copy")
    copy.click()
    browser.wait(lambda d: copy.text == "Copied", 5, "copy button gave no feedback")
    copied = browser.driver.execute_async_script("navigator.clipboard.readText().then(arguments[0], () => arguments[0](null))")
    assert copied in (None, "const answer = 42; // the answer")
    browser.screenshot("rendering-gfm-code")


RENDERER_PAYLOADS = [
    r"$\href{javascript:window.__xss='href'}{click}$",
    r"$$\url{javascript:window.__xss='url'}$$",
    r"\(\htmlClass{evil-class}{x}\) \(\htmlId{evil-id}{y}\) \(\htmlData{evil=1}{z}\)",
    r"$\htmlStyle{position:fixed;top:0;left:0;width:100%;height:100%}{covered}$",
    r"$\includegraphics{http://" + ATTACKER + "/graphic.png}$",
    r"""$<img src=x onerror="window.__xss='math'">$""",
    r"""\[<script>window.__xss='display'</script>\]""",
    r"$\def\loop{\loop x}\loop$ and $\rule{100000em}{100000em}$",
    r"$\textcolor{red;background:url(http://" + ATTACKER + r"/c.png)}{x}$",
    """<div><img src=x onerror="window.__xss='block'"></div>""",
    "<details open ontoggle=\"window.__xss='toggle'\"><summary>s</summary></details>",
    "[x](javascript:alert(1)) [y](JaVaScRiPt:window.__xss='case') [z](&#106;avascript:window.__xss='entity')",
    "[ref link][evil]\n\n[evil]: javascript:window.__xss='ref'",
    "<javascript:window.__xss='autolink'> and [w](vbscript:msgbox) and [d](data:text/html;base64,PHNjcmlwdD4=)",
    "```\"><img src=x onerror=window.__xss='lang'>\ncode\n```",
    "![pic $x$](http://" + ATTACKER + "/pic.png)",
    "<math><mi xlink:href=\"javascript:window.__xss='mathml'\">m</mi></math>",
]


# Elements of the answer hit at points of the page around it (the sidebar, the top bar, the composer, the margins).
OUTSIDE_HITS = """
const body = arguments[0];
const box = body.getBoundingClientRect();
const hits = [];
for (let x = 5; x < innerWidth; x += 10) {
  for (let y = 5; y < innerHeight; y += 10) {
    if (x >= box.left && x <= box.right && y >= box.top && y <= box.bottom) continue;
    const el = document.elementFromPoint(x, y);
    if (el && body.contains(el)) hits.push([x, y, el.className]);
  }
}
return hits.slice(0, 5);
"""


def test_payloads_aimed_at_the_renderer_stay_inert(browser, user):
    browser.login_with_cookie(user)
    reply = "\n\n".join(RENDERER_PAYLOADS)

    browser.send("Render these [[mock:chunks=9]][[mock:reply=" + reply + "]]")

    browser.wait_answer("complete")
    browser.wait_idle()
    for attempt in ("streamed", "reloaded"):
        body = browser.wait_answer("complete").find_element(By.CSS_SELECTOR, ".msg-body")
        dangerous = "script, img, iframe, object, embed, details, foreignObject, image, use, [onerror], [onload], " \
                    "[ontoggle], .evil-class, #evil-id, [data-evil], math [href]"
        assert body.find_elements(By.CSS_SELECTOR, dangerous) == [], attempt
        hrefs = [a.get_attribute("href") for a in body.find_elements(By.CSS_SELECTOR, "a")]
        assert all(h.startswith(("http://", "https://", "mailto:")) for h in hrefs), (attempt, hrefs)
        # KaTeX ran with trust off: the \href, \url, \html… and \includegraphics macros did nothing.
        styled = browser.js("return [...arguments[0].querySelectorAll('[style]')].map((e) => e.getAttribute('style'))"
                            ".filter((s) => /position|url\\(|background/i.test(s))", body)
        assert styled == [], (attempt, styled)
        text = body.text
        assert "<script>" in text and "onerror=" in text and "ontoggle=" in text, attempt
        assert "javascript:alert(1)" in text, attempt
        assert browser.js("return window.__xss") is None, attempt
        assert no_alert(browser.driver), attempt
        assert not [u for u in requested_urls(browser.driver) if ATTACKER in u], attempt
        if attempt == "streamed":
            browser.js("arguments[0].scrollIntoView()", body)
            browser.screenshot("rendering-payloads")
            browser.driver.refresh()
            browser.wait_app()
    assert browser.console_errors(allowed=EXPECTED_PROBES) == []


def test_math_draws_nothing_outside_its_answer(browser, user):
    browser.login_with_cookie(user)
    reply = "\n\n".join([r"Left: \(\hspace{-16em}\text{into the sidebar}\)", r"Huge: $\rule{100000em}{100000em}$",
                          r"Right: \(\kern45em\text{past the margin}\)"])

    browser.send("Escape [[mock:reply=" + reply + "]]")

    browser.wait_answer("complete")
    browser.wait_idle()
    body = browser.wait_answer("complete").find_element(By.CSS_SELECTOR, ".msg-body")
    assert body.find_elements(By.CSS_SELECTOR, ".katex .rule"), "the rule was not drawn"
    assert browser.js(OUTSIDE_HITS, body) == []
    browser.screenshot("rendering-contained")


STREAM_WATCH = """
const [first] = arguments;
window.__watch = { firstChanged: 0, renders: 0, frames: 0, done: false };
new MutationObserver(() => { window.__watch.firstChanged += 1; })
  .observe(first, { subtree: true, childList: true, characterData: true, attributes: true });
new MutationObserver((records) => {
  for (const r of records) {
    if (r.target.classList && r.target.classList.contains('msg-body')
        && r.target.closest('article[data-status="streaming"]')) window.__watch.renders += 1;
  }
}).observe(document.getElementById('messages'), { subtree: true, childList: true });
const tick = () => { window.__watch.frames += 1; if (!window.__watch.done) requestAnimationFrame(tick); };
requestAnimationFrame(tick);
"""


def test_streaming_redraws_only_the_growing_answer_once_a_frame_at_most(browser, user):
    browser.login_with_cookie(user)
    browser.send("First [[mock:reply=Earlier answer with $x^2$ and code:\n\n```py\nprint(1)\n```]]")
    browser.wait_answer("complete", count=1)
    browser.wait_idle()

    browser.send("Second [[mock:chunks=60]][[mock:delay_ms=30]][[mock:reply=" + MATH + "]]")

    browser.wait_answer("streaming", count=2)
    # From here on, while the second answer streams, the first one's element must not be touched.
    browser.js(STREAM_WATCH, browser.messages("assistant")[0])
    browser.wait_answer("complete", count=2)
    watch = browser.js("window.__watch.done = true; return window.__watch")
    assert watch["firstChanged"] == 0, watch
    assert 5 <= watch["renders"] <= watch["frames"], watch


VENDORED = {
    "/vendor/marked/marked.umd.min.js": "text/javascript",
    "/vendor/dompurify/purify.min.js": "text/javascript",
    "/vendor/highlight.js/highlight.min.js": "text/javascript",
    "/vendor/katex/katex.min.js": "text/javascript",
    "/vendor/katex/katex.min.css": "text/css",
    "/vendor/katex/fonts/KaTeX_Main-Regular.woff2": "font/woff2",
}


def test_vendored_libraries_are_served_same_origin_with_their_licences_under_the_strict_csp(server):
    page = requests.get(server.base_url + "/", timeout=5)
    directives = dict(d.strip().split(" ", 1) for d in page.headers["Content-Security-Policy"].split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", directives
    assert directives["font-src"] == "'self'" and directives["default-src"] == "'self'", directives
    for path in VENDORED:
        assert f'"{path}"' in page.text or "fonts/" in path, f"{path} is not loaded by the page"
    for path, kind in VENDORED.items():
        answer = requests.get(server.base_url + path, timeout=5)
        assert answer.status_code == 200, path
        assert answer.headers["Content-Type"].startswith(kind), (path, answer.headers["Content-Type"])
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Content-Security-Policy"] == page.headers["Content-Security-Policy"]
    for library in ["marked", "dompurify", "highlight.js", "katex"]:
        version = requests.get(f"{server.base_url}/vendor/{library}/VERSION", timeout=5)
        licence = requests.get(f"{server.base_url}/vendor/{library}/LICENSE", timeout=5)
        assert version.status_code == 200 and re.search(r"from Debian \w+", version.text), library
        assert licence.status_code == 200 and "License" in licence.text, library
