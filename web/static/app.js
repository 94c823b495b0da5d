// stdsearch: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
    return Promise.resolve();
  }

  // The text a copy button puts on the clipboard: its data-copy; its data-copy-url made
  // absolute against this page (after its data-copy-prefix); or for a clause of a document
  // page its permalink (from the clause's ¶ link) and citation (data-cite).
  function textToCopy(button) {
    if (button.hasAttribute("data-copy")) return button.getAttribute("data-copy");
    if (button.hasAttribute("data-copy-url")) {
      var url = new URL(button.getAttribute("data-copy-url"), document.baseURI).href;
      return (button.getAttribute("data-copy-prefix") || "") + url;
    }
    var link = button.parentNode.querySelector(".clause-page-link").href;
    if (button.hasAttribute("data-copy-link")) return link;
    return button.closest("[data-cite]").getAttribute("data-cite") + " " + link;
  }

  // Copy-link / copy-citation buttons.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy], button[data-copy-url], button[data-copy-link], button[data-copy-cite]");
    if (!button) return;
    var text = textToCopy(button);
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    function done(ok) {
      button.setAttribute("data-copied", ok ? text : "");
      button.classList.toggle("copied", ok);
      button.textContent = ok ? "已复制" : "复制失败";
      setTimeout(function () { button.textContent = label; button.classList.remove("copied"); }, 1800);
    }
    copyText(text).then(function () { done(true); }, function () { done(false); });
  });

  // Print button.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  // Sort select submits on change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // "/" focuses the search box.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (document.activeElement && document.activeElement.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    var box = document.getElementById("q") || document.getElementById("header-q");
    if (box) { event.preventDefault(); box.focus(); box.select(); }
  });

  // Wide screens: open the table of contents and the facets; narrow ones keep them folded.
  var wide = window.matchMedia("(min-width: 961px)").matches;
  var toc = document.getElementById("toc");
  if (toc && wide) toc.open = true;
  var facets = document.getElementById("facets");
  if (facets && !window.matchMedia("(min-width: 761px)").matches) facets.open = false;

  // Mark the clause named by the URL fragment (also for sub-part anchors) and bring it into view.
  function markTarget() {
    document.querySelectorAll(".clause.targeted").forEach(function (el) { el.classList.remove("targeted"); });
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id) return;
    var target = document.getElementById(id);
    if (!target) return;
    var clause = target.closest(".clause");
    if (clause) clause.classList.add("targeted");
    target.scrollIntoView({ block: "start" });
  }
  window.addEventListener("hashchange", markTarget);
  if (location.hash) markTarget();
})();
