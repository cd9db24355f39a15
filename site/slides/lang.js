// Language of the deck, set before the first paint (loaded in <head>, blocking)
// so the other language never flashes. Each slide holds both texts, marked
// lang="nl" / lang="en"; slides.css hides the one not chosen, from the class on
// <html>. Choice: ?lang=en|nl in the URL, else the remembered one, else Dutch
// (the talk was given in Dutch).
(function () {
  "use strict";
  var KEY = "ae-compressie.slides.lang";
  var LANGS = ["nl", "en"];

  function remembered() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }

  function set(lang, remember) {
    if (LANGS.indexOf(lang) < 0) lang = "nl";
    var html = document.documentElement;
    LANGS.forEach(function (l) { html.classList.toggle("lang-" + l, l === lang); });
    html.lang = lang;
    if (remember) {
      try { localStorage.setItem(KEY, lang); } catch (e) { /* private mode: not remembered */ }
    }
    document.dispatchEvent(new CustomEvent("deck-lang", { detail: { lang: lang } }));
    return lang;
  }

  var fromUrl = new URLSearchParams(location.search).get("lang");
  var initial = LANGS.indexOf(fromUrl) >= 0 ? fromUrl : remembered();
  set(initial || "nl", LANGS.indexOf(fromUrl) >= 0);

  window.DeckLang = {
    get: function () { return document.documentElement.lang; },
    set: function (lang) { return set(lang, true); },
    toggle: function () { return set(this.get() === "nl" ? "en" : "nl", true); },
  };
})();
