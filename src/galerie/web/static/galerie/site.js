/* Galerie's few behaviours, bound from data attributes: the Content-Security-Policy allows no
   inline script or event handler (docs/content-security-policy.md). */
(function () {
  "use strict";

  // <button data-confirm="Question?">: ask before the form is sent.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // <button data-print>: print the page.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // <button data-copy-from="id" data-copied="Copied">: copy that field's value.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-from]");
    if (!button) return;
    var field = document.getElementById(button.dataset.copyFrom);
    navigator.clipboard.writeText(field.value).then(function () {
      button.textContent = button.dataset.copied;
    });
  });

  // <select data-autosubmit>: send its form as soon as a choice is made.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-autosubmit]");
    if (select && select.form) {
      select.form.submit();
    }
  });

  // <span data-width="42">: a bar's width in percent (a style attribute would need 'unsafe-inline').
  function widths(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-width]").forEach(function (bar) {
      bar.style.width = Math.max(0, Math.min(100, parseFloat(bar.dataset.width) || 0)) + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { widths(document); });
  document.addEventListener("htmx:load", function (event) { widths(event.target); });
})();
