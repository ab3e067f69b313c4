"""Scripts in what users type: a corpus of classic XSS payloads, and the checks that find one
that got through.

Every payload carries a marker (``xss07``): an element it would inject has ``id=xss07``, an
alert says ``xss07``; so the checks can tell an escaped payload (text on the page: harmless)
from an injected element, and the report names the field that leaked.

The checks (``holes``) read a page the way a browser does (html.parser): an element whose id
starts with ``xss``, an ``on…`` handler or a ``javascript:`` link naming a marker, a script
(other than JSON-LD) naming a marker, a JSON-LD block that no longer parses (a ``</script>``
broke out of it), a template tag a user wrote that was evaluated (``xss-evaluated``), or the raw
payload itself in the HTML source.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

MARK = "{m}"
# The templates of the payloads; MARK becomes the field's marker (xss01, xss02, …).
PAYLOADS: tuple[str, ...] = (
    '<script id={m}>alert("{m}")</script>',
    '"><img id={m} src=x onerror=alert("{m}")>',
    "'><svg id={m} onload=alert('{m}')>",
    '</title><script id={m}>alert("{m}")</script>',
    '</textarea><img id={m} src=x onerror=alert("{m}")>',
    '</style><script id={m}>alert("{m}")</script>',
    '</script><script id={m}>alert("{m}")</script>',
    "<a id={m} href=\"javascript:alert('{m}')\">{m}</a>",
    '<details id={m} open ontoggle=alert("{m}")>',
    '<iframe id={m} srcdoc="<script>alert(1)</script>"></iframe>',
    '{{ "xss"|add:"-evaluated" }}{% now "Y" %}<b id={m}>{m}</b>',  # a template: must stay text
    "';alert('{m}');//<i id={m}>",
    "\u202e<b id={m}>{m}</b>\u202d\u200b",  # right-to-left override, a zero-width space
    '" style="x:expression(alert(1))" onmouseover="alert(\'{m}\')" x="<u id={m}>',
    "{m}\r\nBcc: victim@evil.test\v\u2028\r\n\r\n<p id={m}>",  # header injection (e-mail subjects)
)
JAVASCRIPT_URL = 'javascript:alert("{m}")'  # for the fields that hold a web address
EVALUATED = "xss-evaluated"  # what the template payload renders to if a user's text is compiled
LONG = 20_000  # characters of filler before a payload in the long texts


@dataclass(frozen=True)
class Payload:
    marker: str
    text: str
    where: str  # "model.field": what the payload was put into


def payload(n: int, where: str, *, max_length: int | None = None, long: bool = False) -> Payload:
    """The n-th payload of the corpus (cycling) with marker ``xss<n>``, fitted to ``max_length``:
    the longest template that fits, else the shortest."""
    marker = f"xss{n:02d}"
    candidates = [t.replace(MARK, marker) for t in PAYLOADS[n % len(PAYLOADS) :] + PAYLOADS]
    if max_length is not None:
        fitting = [t for t in candidates if len(t) <= max_length]
        text = fitting[0] if fitting else f"<b id={marker}>"[:max_length]
    else:
        text = candidates[0]
    if long:
        text = "é" * LONG + text
    return Payload(marker, text, where)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name == "id" and value.lower().startswith("xss"):
                self.found.append(f"<{tag} id={value}> injected")
            elif name.startswith("on") and "xss" in value.lower():
                self.found.append(f"<{tag} {name}={value!r}> injected")
            elif (
                name in ("href", "src", "action", "formaction", "srcdoc")
                and "xss" in value.lower()
                and re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith("javascript:")
            ):
                self.found.append(f"<{tag} {name}={value!r}>: a javascript: address")
        if tag == "script":
            self._script = (dict(attrs).get("type") or "", [])

    def handle_data(self, data):
        if self._script is not None:
            self._script[1].append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            kind, parts = self._script
            text = "".join(parts)
            self._script = None
            if kind == "application/ld+json":
                try:
                    json.loads(text)
                except ValueError:
                    self.found.append(f"a JSON-LD block broken out of: {text[:80]!r}")
            elif "xss" in text.lower():
                self.found.append(f"a script naming a marker: {text[:80]!r}")


def holes(html: str, payloads: list[Payload] = ()) -> list[str]:
    """What of the corpus got through in ``html``: [] when every payload is harmless text."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    found = list(reader.found)
    if EVALUATED in html:
        found.append(f"{EVALUATED}: a user's text was rendered as a template")
    for p in payloads:
        # The payload as typed, in the source: not escaped (a quote-only one may sit in JSON).
        if any(c in p.text for c in "<>") and p.text.strip() in html:
            found.append(f"{p.where} ({p.marker}) unescaped")
    markers = {p.marker: p.where for p in payloads}
    return [f"{f} [{markers.get(m, '?')}]" for f in found for m in [_marker_of(f)]]


def _marker_of(finding: str) -> str:
    match = re.search(r"xss\d\d", finding, re.IGNORECASE)
    return match.group(0).lower() if match else ""


# The DOM check of the browser tests: the same rules as ``holes`` on the live document.
DOM_CHECK = """() => {
  // Through Element.prototype: a form's own properties are clobbered by its fields (a field
  // named "attributes" makes form.attributes that input).
  const names = (el) => Element.prototype.getAttributeNames.call(el);
  const attr = (el, n) => Element.prototype.getAttribute.call(el, n) || '';
  const tag = Object.getOwnPropertyDescriptor(Element.prototype, 'tagName').get;
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const n of names(el)) {
      const v = attr(el, n).toLowerCase();
      if (n === 'id' && v.startsWith('xss')) found.push(`<${tag.call(el)} id=${v}>`);
      else if (n.startsWith('on') && v.includes('xss')) found.push(`<${tag.call(el)} ${n}>`);
      else if (['href', 'src', 'action', 'formaction'].includes(n) && v.includes('xss')
               && v.replace(/[\\s\\x00-\\x1f]/g, '').startsWith('javascript:'))
        found.push(`<${tag.call(el)} ${n}=javascript:>`);
    }
  }
  for (const s of document.querySelectorAll('script')) {
    if (s.type === 'application/ld+json') {
      try { JSON.parse(s.textContent); } catch (e) { found.push('broken JSON-LD'); }
    } else if (s.textContent.toLowerCase().includes('xss')) found.push('a script naming a marker');
  }
  if (document.body && document.body.innerText.includes('xss-evaluated')) found.push('a template evaluated');
  return found;
}"""
