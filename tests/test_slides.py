"""The slides: the talk as it was given, every number from results.json, no slide
that overflows, slide links on a phone.

* The talk's part (site/slides/index.html up to #nu-gemeten) is read side by side
  with the talk's text (notes/talk/): every line of the talk is on the slides, in
  order, and the slides add no line of their own (speaker notes, the deck's usage
  hint and the redrawn figures aside).
* Numbers: theme/results_fill.py fills the markers at build time; the measured
  slides type no number by hand, and the sentence and the table of "Het antwoord"
  show the same number, the evaluation's (results.md shows it too).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SLIDES = ROOT / "site" / "slides" / "index.html"
RESULTS = ROOT / "site" / "results"
TALK = ROOT / "notes" / "talk" / "auto-encoders-voor-compressie.txt"
FIRST_MEASURED = "nu-gemeten"  # the first slide after the talk
# Numbers the measured slides may type: the talk's own (quoted) and its year.
TALK_NUMBERS = {"28", "128", "784", "6,125:1", "6.125:1", "2018"}
MNIST_DIR = os.environ.get("MNIST_DIR") or str(ROOT.parent / "shared" / "datasets" / "mnist")


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fill = load_module("results_fill", ROOT / "theme" / "results_fill.py")


# --- the slides' text, as lines ------------------------------------------------------------


class SlideText(HTMLParser):
    """Per slide (section id), its lines of text in one language: one line per
    heading, paragraph, list item or table cell. Left out: the other language,
    speaker notes, the deck's usage hint and redrawn figures."""

    BLOCKS = {"h1", "h2", "h3", "p", "li", "td", "th"}
    SKIP_CLASSES = {"deck-hint", "figure", "sr-only"}
    VOID = {"br", "img", "meta", "link", "input", "hr", "source", "wbr"}

    def __init__(self, lang: str):
        super().__init__()
        self.other = "en" if lang == "nl" else "nl"
        self.sections: dict[str, list[str]] = {}
        self.stack: list[tuple[str, bool]] = []
        self.buffer: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            if self.buffer is not None and tag == "br":
                self.buffer.append(" ")
            return
        a = dict(attrs)
        if tag == "section":
            self.sections[a.get("id")] = []
        skip = ((a.get("lang") == self.other and tag != "html") or tag in ("aside", "script", "style")
                or bool(self.SKIP_CLASSES & set((a.get("class") or "").split())))
        self.stack.append((tag, skip))
        if tag in self.BLOCKS and not self.skipping():
            self.buffer = []

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break
        if tag in self.BLOCKS and self.buffer is not None:
            line = normalise("".join(self.buffer))
            if line and self.sections:
                list(self.sections.values())[-1].append(line)
            self.buffer = None

    def handle_data(self, data):
        if self.buffer is not None and not self.skipping():
            self.buffer.append(data)

    def skipping(self) -> bool:
        return any(skip for _, skip in self.stack)


def slide_text(html: str, lang: str) -> dict[str, list[str]]:
    parser = SlideText(lang)
    parser.feed(html)
    return parser.sections


def normalise(text: str) -> str:
    """One line of the talk's PDF text or of a slide, in one spelling."""
    text = re.sub(r"^\s*[-■]\s+", "", text)                  # bullets
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)          # <url>
    text = re.sub(r"\\text\{([^}]*)\}", r"\1", text)           # LaTeX
    text = text.replace(r"\cdot", "·").replace(r"\rightarrow", "→").replace("$", "").replace("*", "")
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r" :(?= )", ":", text)  # "*Input* : afbeelding"


def talk_lines() -> list[str]:
    """The talk's distinct lines, in the order they first appear (builds repeat them)."""
    lines = []
    for raw in TALK.read_text(encoding="utf-8").splitlines():
        line = normalise(raw)
        if line and line not in lines:
            lines.append(line)
    return lines


def talk_part(sections: dict[str, list[str]]) -> dict[str, list[str]]:
    ids = list(sections)
    return {sid: sections[sid] for sid in ids[:ids.index(FIRST_MEASURED)]}


def measured_part(sections: dict[str, list[str]]) -> dict[str, list[str]]:
    ids = list(sections)
    return {sid: sections[sid] for sid in ids[ids.index(FIRST_MEASURED):]}


# --- the talk, faithful -------------------------------------------------------------------


def test_talk_part_has_every_line_of_the_talk_in_order():
    sections = talk_part(slide_text(SLIDES.read_text(encoding="utf-8"), "nl"))
    deck = [line for lines in sections.values() for line in lines]
    missing, pos = [], 0
    for line in talk_lines():
        try:
            pos = deck.index(line, pos) + 1
        except ValueError:
            missing.append(line)
    assert not missing, f"missing from the talk's slides, or out of order: {missing}"
    # The conclusion is on its slide (not only in the notes), as the last drawback,
    # and the slide's last build step adds "Demo!"; the closing ends the talk.
    drawbacks = next(lines for lines in sections.values() if "JPEG haalt gemakkelijk grotere compressieratios!" in lines)
    assert drawbacks[0] == "De resultaten vallen een beetje tegen", drawbacks
    assert drawbacks[-2:] == ["JPEG haalt gemakkelijk grotere compressieratios!", "Demo!"], drawbacks
    assert deck[-1] == "Bedankt voor jullie aandacht! Vragen?"


def test_talk_part_adds_nothing_to_the_talk():
    talk = set(talk_lines())
    sections = talk_part(slide_text(SLIDES.read_text(encoding="utf-8"), "nl"))
    added = [(sid, line) for sid, lines in sections.items() for line in lines if line not in talk]
    assert not added, f"text on the talk's slides that the talk does not have: {added}"
    assert all(sections.values()), "a talk slide without text"


def test_the_talk_comparison_itself_can_fail():
    """The two tests above notice a dropped bullet and an added one."""
    html = SLIDES.read_text(encoding="utf-8")
    dropped = html.replace("<li>grote netwerken → veel computer-resources bij inferentie</li>", "", 1)
    added = html.replace("<li>Tensorflow backend</li>", "<li>Tensorflow backend</li><li>PyTorch</li>", 1)
    assert dropped != html and added != html
    deck = [line for lines in talk_part(slide_text(dropped, "nl")).values() for line in lines]
    assert "grote netwerken → veel computer-resources bij inferentie" not in deck
    assert "PyTorch" in [line for lines in talk_part(slide_text(added, "nl")).values() for line in lines]


def test_talk_figures_are_there():
    html = SLIDES.read_text(encoding="utf-8")
    for figure in ("talk_mnist.png", "talk_loss.png", "talk_reconstructions.png"):
        assert f'src="../results/{figure}"' in html and (RESULTS / figure).is_file(), figure


def test_mnist_figure_is_what_the_script_writes(tmp_path):
    script = load_module("mnist_figure", ROOT / "tools" / "mnist_figure.py")
    out = tmp_path / "talk_mnist.png"
    assert script.main(["--out", str(out), "--data-dir", MNIST_DIR]) == 0
    assert out.read_bytes() == (RESULTS / "talk_mnist.png").read_bytes()


# --- numbers -------------------------------------------------------------------------------


def test_measured_slides_type_no_numbers_by_hand():
    source = fill.MARKER_RE.sub(" ", SLIDES.read_text(encoding="utf-8"))
    for lang in ("nl", "en"):
        for sid, lines in measured_part(slide_text(source, lang)).items():
            numbers = set(re.findall(r"\d+(?:[.,]\d+)?(?::1)?", " ".join(lines)))
            assert numbers <= TALK_NUMBERS, (sid, lang, numbers - TALK_NUMBERS)


FAKE = {
    "n_images": 10000,
    "codecs": {"talk": {"model_id": 0, "bytes_mean": 129.0, "psnr": 20.98, "ssim": 0.887, "accuracy": 0.9654},
               "level1": {"model_id": 1, "bytes_mean": 18.62, "psnr": 25.05, "ssim": 0.93, "accuracy": 0.99}},
    "baselines": {"jpeg_file": [{"bytes_mean": 400.0}, {"bytes_mean": 368.76}]},
    "comparison": {"rows": [
        {"codec": "talk", "jpeg_scan_bytes": 52.07, "gain_vs_jpeg_scan": 0.40, "webp_bytes": 99.5, "gain_vs_webp": 0.77},
        {"codec": "level1", "jpeg_scan_bytes": 96.77, "gain_vs_jpeg_scan": 5.2, "webp_bytes": None, "gain_vs_webp": None}]},
    "answer": {"beats_jpeg": True, "best_gain_vs_jpeg_scan": 5.2},
}


def test_fill_writes_both_languages_and_pages_in_english():
    results = fill.with_views(FAKE)
    text = "{{ codecs.talk.bytes_mean | bytes }} {{ n_images | int }} {{ codecs.talk.bytes_mean | ratio }}"
    assert fill.fill(text, results) == ('<span lang="nl">129,0</span><span lang="en">129.0</span> '
                                        '<span lang="nl">10.000</span><span lang="en">10,000</span> '
                                        '<span lang="nl">6,1 : 1</span><span lang="en">6.1 : 1</span>')
    assert fill.fill(text, results, ("en",)) == "129.0 10,000 6.1 : 1"
    assert fill.fill("{{ codecs.level1.model_id | int }}", results) == "1"  # the same in both: plain
    assert fill.fill("{{ codecs.talk.accuracy | pct }} {{ codecs.level1.psnr | db }}", results, ("nl",)) == "96,5 % 25,1 dB"
    assert fill.fill("{{ answer.beats_jpeg | yesno }}", results, ("nl",)) == "ja"
    # The views: a comparison row by codec, the answer's row, a family's smallest file.
    assert fill.fill("{{ row.talk.jpeg_scan_bytes | bytes }} {{ best.jpeg_scan_bytes | bytes }} "
                     "{{ smallest.jpeg_file.bytes_mean | bytes }}", results, ("en",)) == "52.1 96.8 368.8"
    # Not reached (null): a dash. In a table too.
    assert fill.fill("{{ row.level1.webp_bytes | bytes }}", results, ("en",)) == "–"
    table = fill.fill("{{ table same-quality }}", results, ("nl",))
    assert "<td>Geleerde codec, niveau 1</td>" in table and "<td>–</td>" in table and "96,8 (5,2×)" in table
    assert table.index("Netwerk uit de talk") < table.index("niveau 1")  # model 0 first


@pytest.mark.parametrize("marker, message", [
    ("{{ codecs.talk.byte_mean | bytes }}", "no codecs.talk.byte_mean"),
    ("{{ codecs.level9.psnr | db }}", "no codecs.level9"),
    ("{{ codecs.talk.psnr | decibel }}", "unknown number format 'decibel'"),
    ("{{ table codec }}", "unknown table 'codec'"),
])
def test_a_wrong_marker_stops_the_build(marker, message):
    with pytest.raises(fill.ResultsError, match=re.escape(message)):
        fill.fill(marker, fill.with_views(FAKE))


def test_pages_take_their_numbers_from_results_json(built_site):
    results = fill.load(RESULTS / "results.json")
    for page in built_site.glob("*.html"):
        assert "{{" not in page.read_text(encoding="utf-8"), page.name
    n_images = fill.fmt(results["n_images"], "int", "en")
    assert f"on all {n_images} MNIST test digits" in (built_site / "index.html").read_text(encoding="utf-8")
    # A wrong marker in a page stops the build and names the page.
    sys.path.insert(0, str(ROOT / "theme"))
    try:
        hooks = load_module("site_hooks_for_slides", ROOT / "theme" / "hooks.py")
    finally:
        sys.path.remove(str(ROOT / "theme"))
    hooks._results = results
    assert hooks.fill_results("{{ n_images | int }} digits", "index.md", ("en",)) == f"{n_images} digits"
    with pytest.raises(hooks.PluginError, match=r"^index\.md: results\.json has no n_image "):
        hooks.fill_results("{{ n_image | int }}", "index.md", ("en",))


def test_built_slides_are_filled_from_results_json(built_site):
    html = (built_site / "slides" / "index.html").read_text(encoding="utf-8")
    assert "{{" not in html and "placeholder" not in html.lower()
    results = fill.load(RESULTS / "results.json")
    nl = slide_text(html, "nl")
    assert f"Het netwerk uit de talk, elke latente waarde in één byte: " \
           f"{fill.fmt(results['codecs']['talk']['bytes_mean'], 'bytes', 'nl')} bytes" in " ".join(nl["echte-bytes"])


def test_the_answer_and_its_table_show_the_same_numbers(built_site):
    """What JPEG's scan needs at the answer's PSNR: the sentence, the slide's table and
    the results page all show the evaluation's number (it once said 126 beside 146.6)."""
    html = (built_site / "slides" / "index.html").read_text(encoding="utf-8")
    results = fill.load(RESULTS / "results.json")
    best = results["best"]
    assert best is not None
    label = fill.codec_label(best["codec"], results["codecs"][best["codec"]])
    for lang in ("nl", "en"):
        lines = slide_text(html, lang)["antwoord"]
        jpeg, psnr = fill.fmt(best["jpeg_scan_bytes"], "bytes", lang), fill.fmt(best["psnr"], "db", lang)
        sentence = next(line for line in lines if f"PSNR ({psnr})" in line)
        assert f" {jpeg} " in sentence, sentence
        cells = lines[lines.index(label[lang]):][:5]
        assert cells[-1].startswith(jpeg + " ("), cells
    results_md = (RESULTS / "results.md").read_text(encoding="utf-8")
    row = next(line for line in results_md.splitlines()
               if line.startswith(f"| {results['codecs'][best['codec']]['label']} |"))
    assert f"| {fill.fmt(best['jpeg_scan_bytes'], 'bytes', 'en')} B (" in row


def test_claims_in_the_measured_slides_hold():
    """The measured slides say in words what the numbers show; if a new evaluation
    changes that, the words must change too."""
    r = fill.load(RESULTS / "results.json")
    talk = r["codecs"]["talk"]
    # "JPEG haalt gemakkelijk grotere compressieratios?"
    assert r["smallest"]["jpeg_file"]["bytes_mean"] > talk["bytes_mean"]  # as a file: no
    assert r["row"]["talk"]["jpeg_scan_bytes"] < talk["bytes_mean"]  # without headers: there the talk was right
    # "resultaten erg afhankelijk van trainingsdata": still true
    from aec.levels import DEFAULT_MODEL_ID

    key = f"level{DEFAULT_MODEL_ID}"
    assert f"{{{{ fashion.codecs.{key}.psnr | db }}}}" in SLIDES.read_text(encoding="utf-8")  # the slide's level
    digits, clothes = r["one_pass"][key], r["fashion"]["codecs"][key]  # both one pass (evaluate.main)
    assert clothes["psnr"] < digits["psnr"] and clothes["bytes_mean"] > digits["bytes_mean"]


ENGLISH = ["Learned codec", "level", "Bytes / digit", "Ratio", "Recognised", "without headers", "digit",
           "The talk's network", "yes"]
DUTCH = ["Geleerde codec", "niveau", "cijfer", "Verhouding", "Herkend", "zonder headers", "Netwerk uit de talk", "ja"]


def test_each_language_reads_in_that_language(built_site):
    html = (built_site / "slides" / "index.html").read_text(encoding="utf-8")
    for lang, foreign in (("nl", ENGLISH), ("en", DUTCH)):
        sections = slide_text(html, lang)
        text = " ".join(line for sid, lines in measured_part(sections).items() for line in lines)
        assert len(text) > 1000, lang
        found = [w for w in foreign if re.search(rf"\b{re.escape(w)}\b", text)]
        assert not found, (lang, found)


# --- in the browser -----------------------------------------------------------------------

# Everything a slide shows must lie inside reveal.js' 960x700 slide box, and a
# block diagram must stay one row (a wrapped one leaves an arrow dangling).
MEASURE = """() => {
  const slide = Reveal.getCurrentSlide(), scale = Reveal.getScale();
  const box = document.querySelector('.reveal .slides').getBoundingClientRect();
  const problems = [];
  for (const el of slide.querySelectorAll('*')) {
    if (el.closest('aside.notes, .sr-only')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // not shown (the other language)
    const out = Math.max(box.left - r.left, r.right - box.right, box.top - r.top, r.bottom - box.bottom) / scale;
    if (out > 1) problems.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" sticks out ${out.toFixed(0)} px`);
  }
  for (const flow of slide.querySelectorAll('.flow')) {
    const centres = [...flow.children].map(c => c.getBoundingClientRect())
      .filter(r => r.height > 0).map(r => (r.top + r.bottom) / 2 / scale);
    if (centres.length && Math.max(...centres) - Math.min(...centres) > 2) problems.push('a diagram wraps');
  }
  return problems;
}"""


def open_deck(browser, make_probe, viewport, url, **context_args):
    context = browser.new_context(viewport=viewport, **context_args)
    page = context.new_page()
    probe = make_probe(page)
    probe.goto(url)
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    return context, page, probe


@pytest.mark.browser
@pytest.mark.parametrize("width, height", [(1366, 768), (1920, 1080)])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_slide_overflows(browser, make_probe, width, height, lang):
    context, page, probe = open_deck(browser, make_probe, {"width": width, "height": height},
                                     f"slides/index.html?lang={lang}")
    try:
        page.evaluate("Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
        # The demo starts when its slide is shown and draws itself once its models are
        # loaded: measure it as people see it.
        page.evaluate("Reveal.slide(Reveal.getSlides().findIndex(s => s.querySelector('[data-demo-root]')))")
        page.wait_for_function("() => ['ready', 'failed'].includes("
                               "document.querySelector('[data-demo-root]').dataset.state)", timeout=120_000)
        problems = {}
        for i, sid in enumerate(page.evaluate("Reveal.getSlides().map(s => s.id)")):
            page.evaluate(f"Reveal.slide({i})")
            page.wait_for_function(f"() => Reveal.getCurrentSlide().id === {sid!r}")
            found = page.evaluate(MEASURE)
            if found:
                problems[sid] = found[:3]
        assert not problems, problems
        assert len(page.evaluate("Reveal.getSlides()")) >= 20
        # The measurement itself sees an overflow and a wrapped diagram.
        page.evaluate("""() => {
            const s = Reveal.getCurrentSlide();
            s.insertAdjacentHTML('beforeend', '<div style="height:900px">x</div>'
              + '<div class="flow" style="width:10px;flex-wrap:wrap"><span>a</span><span>b</span><span>c</span></div>');
            Reveal.layout();
        }""")
        found = page.evaluate(MEASURE)
        assert any("sticks out" in p for p in found) and "a diagram wraps" in found, found
        probe.assert_clean()
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("link", ["#/11", "#/antwoord"])
def test_a_slide_link_lands_on_its_slide_on_a_phone(browser, make_probe, link):
    context, page, probe = open_deck(browser, make_probe, {"width": 390, "height": 844},
                                     "slides/index.html" + link, is_mobile=True, has_touch=True)
    try:
        ids = page.evaluate("Reveal.getSlides().map(s => s.id)")
        want = 11 if link == "#/11" else ids.index("antwoord")
        page.wait_for_timeout(500)  # long enough for a late jump back to the first slide
        assert page.evaluate("Reveal.getIndices().h") == want
        assert page.evaluate("Reveal.getCurrentSlide().id") == ids[want]
        assert page.evaluate("location.hash") == f"#/{ids[want]}"  # the address names that slide
        assert page.evaluate("Reveal.isScrollView()") is False
        probe.assert_clean()
    finally:
        context.close()
