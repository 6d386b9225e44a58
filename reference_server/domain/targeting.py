"""Does a chatflow apply to this page view, and which chatflow wins (TG1-TG6)?

The caller describes one page view — the page's URL, the device and the visitor — as a
:class:`PageView`. :func:`rule_matches` evaluates one :class:`~.chatflow.Rule`,
:func:`chatflow_applies` a chatflow's whole :class:`~.chatflow.TargetSettings`, and
:func:`select_chatflow` picks the one published chatflow the widget shows. The reference
server calls these when the widget loads; the simulator calls them for every simulated page
view, so rules are compiled once (and cached) and every page URL is parsed once (cached by
:func:`parse_url`).

Page URL rules (TG1)
--------------------
A page URL is compared without its query string and fragment, normalised:

- scheme and host lower-cased, the default port dropped (``:80`` for http/ws, ``:443`` for
  https/wss), user info (``user:pass@``) dropped;
- trailing slashes of the path removed, except the root path ``/``;
- percent-escapes kept as they are (never decoded); characters a browser escapes (spaces,
  non-ASCII) are escaped the way a browser does, so ``/båt`` and ``/b%C3%A5t`` are the same;
- a URL without a scheme is read as ``https://``; a bare path (``/pricing``) is a page on no
  particular host.

Matching is case-INsensitive everywhere — scheme, host *and* path — because that is what site
owners expect (``/Pricing`` and ``/pricing`` are one page to them). Note that escapes are not
decoded, so an escape's own letters are compared, not the character it stands for.

A rule value is normalised the same way (its query string and fragment are dropped too:
query strings are targeted with query parameter rules, TG2), except that nothing is added to
it: a value without a path stays without one. What the value is compared with depends on how
it starts:

- ``/pricing`` — starts with ``/``: the page's path only;
- ``example.com/pricing`` — no scheme: the page's host and path (``example.com/pricing``);
  ``:80`` and ``:443`` count as default ports here; ``//example.com/x`` reads the same way;
- ``https://example.com/pricing`` — the full normalised URL.

A site's root page answers both to ``https://example.com/`` and ``https://example.com`` (and to
``example.com/`` and ``example.com``), so a value naming just the site means its home page.

Operators: ``IS``/``IS_NOT`` exact; ``CONTAINS``/``DOES_NOT_CONTAIN`` substring;
``STARTS_WITH``/``ENDS_WITH``; ``MATCHES_WILDCARD`` where ``*`` matches any run of characters
(``/`` included) and no other character is special (``.``, ``+``, ``(``… match themselves; a
``?`` or ``#`` starts the value's query string or fragment, which is dropped as above);
``ALL_PAGES`` always holds. A value that is empty once normalised (``?ref=x``) names nothing a
page URL contains: its positive operators never hold, ``IS_NOT``/``DOES_NOT_CONTAIN`` always do.

Other rules
-----------
- Query parameter (TG2): ``name`` IS ``value`` when any of the parameter's values equals
  ``value`` (decoded, case-insensitive, names too); an absent parameter: IS false, IS_NOT true.
- Visitor (TG4): IS ``known_contact`` / ``unknown_visitor``.
- Contact property (TG4): the property named exactly ``name`` (property names are internal
  identifiers), value compared case-insensitively and without surrounding spaces; IS_KNOWN
  when it has a non-empty value, IS_UNKNOWN otherwise. Unknown visitors have no properties,
  so for them every positive operator is false and IS_NOT/DOES_NOT_CONTAIN/IS_UNKNOWN true.
- Device (TG4): IS / IS_NOT ``desktop``, ``tablet`` or ``mobile`` (a tablet is not mobile).

Every operator means the same for every field (negative operators are exactly the negation
of their positive partners), so a rule that validation would refuse still evaluates to
something predictable instead of raising.

Groups, exclusions and priority (TG3, TG5, TG6)
-----------------------------------------------
A chatflow applies when ALL rules of ANY group hold and NO exclusion holds: an exclusion beats
every inclusion. A group with no rules holds everywhere; a target with no groups nowhere.

Among the *published* chatflows that apply, :func:`select_chatflow` prefers the most specific
match. A rule's rank (:func:`rule_rank`), most specific first:

====  ==============================================================
0     query parameter IS
1     page URL IS
2     page URL STARTS_WITH / ENDS_WITH
3     page URL CONTAINS
4     page URL MATCHES_WILDCARD
5     visitor, contact property and device rules (any operator)
6     negative page rules: IS_NOT / DOES_NOT_CONTAIN (and query IS_NOT)
7     ALL_PAGES
====  ==============================================================

A group's rank is its best (lowest) rule rank; a chatflow's :func:`specificity` on a page is
the rank of its best group that holds there. Ties go to the lower ``priority``, then to the
smaller ``id`` (string order), so the result never depends on the order chatflows are passed
in (chatflow ids are unique; with duplicate ids equal on everything else, the first wins).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from urllib.parse import parse_qsl, quote

from .chatflow import Chatflow, Rule, RuleField, RuleOperator, TargetSettings

__all__ = [
    "PageView",
    "ParsedUrl",
    "Visitor",
    "chatflow_applies",
    "matching_chatflows",
    "parse_url",
    "rule_matches",
    "rule_rank",
    "select_chatflow",
    "specificity",
]


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who is looking at the page. ``known``: an identified visitor or one with a contact
    record; ``properties``: that contact's properties (ignored for unknown visitors)."""

    known: bool = False
    properties: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PageView:
    """One page view: the page's full URL, the device ("desktop", "tablet" or "mobile") and
    the visitor."""

    url: str
    device: str = "desktop"
    visitor: Visitor = Visitor()

    @property
    def parsed(self) -> ParsedUrl:
        """The page's URL in the form rules compare against (parsed once per URL)."""
        return parse_url(self.url)


@dataclass(frozen=True, slots=True)
class ParsedUrl:
    """A page URL in the form rules compare against; every text is case-folded.

    ``full`` is ``https://example.com/pricing``, ``host_path`` ``example.com/pricing``,
    ``path`` ``/pricing``; ``query`` maps each parameter name to its values, decoded.
    The ``*_forms`` are what a rule value of each kind is compared with: the root page also
    answers to its address without the final ``/``.
    """

    full: str
    host_path: str
    path: str
    query: Mapping[str, tuple[str, ...]]
    full_forms: tuple[str, ...]
    host_path_forms: tuple[str, ...]
    path_forms: tuple[str, ...]


# ---------------------------------------------------------------- URL normalisation

_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*)://")
_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}
_WEB_DEFAULT_PORTS = ("80", "443")  # a value without a scheme may mean either
_PRINTABLE_ASCII = re.compile(r"[!-~]*")
_SAFE = "".join(chr(code) for code in range(0x21, 0x7F))  # what a browser leaves alone


def _comparable(text: str) -> str:
    """Case-folded, with what a browser would percent-escape escaped (existing escapes kept)."""
    text = text.casefold()
    if _PRINTABLE_ASCII.fullmatch(text) is None:
        text = quote(text, safe=_SAFE).lower()
    return text


def _without_port(authority: str, defaults: Collection[str]) -> str:
    # An IPv6 literal's colons are safe: what follows its last one ends in "]", not a port.
    head, colon, port = authority.rpartition(":")
    if colon and (port == "" or port in defaults):  # an empty port means the default one
        return head
    return authority


def _trimmed(path: str) -> str:
    """The path without trailing slashes; the root stays ``/`` and no path stays none."""
    return path.rstrip("/") or path[:1]


@lru_cache(maxsize=4096)
def parse_url(url: str) -> ParsedUrl:
    """The comparison form of a page URL (see the module docstring); cached, because the
    simulator evaluates the same few URLs against the same chatflows millions of times."""
    text, _, _ = url.strip().partition("#")
    text, _, query = text.partition("?")
    text = _comparable(text)
    match = _SCHEME.match(text)
    if match:
        scheme, rest = match[1], text[match.end() :]
    elif text.startswith("//"):
        scheme, rest = "https", text[2:]
    elif text.startswith("/") or not text:
        scheme, rest = "", ""  # a bare path: a page on no particular host
    else:
        scheme, rest = "https", text
    if scheme:
        authority, _, path = rest.partition("/")
        host = _without_port(authority.rpartition("@")[2], (_DEFAULT_PORTS.get(scheme, ""),))
        path = _trimmed("/" + path)
        full, host_path = f"{scheme}://{host}{path}", host + path
    else:
        host, path = "", _trimmed(text) or "/"
        full = host_path = path
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(name.casefold(), []).append(value.casefold())
    root = bool(host) and path == "/"
    return ParsedUrl(
        full=full,
        host_path=host_path,
        path=path,
        query=MappingProxyType({name: tuple(found) for name, found in values.items()}),
        full_forms=(full, full[:-1]) if root else (full,),
        host_path_forms=(host_path, host_path[:-1]) if root else (host_path,),
        path_forms=(path,),
    )


_Forms = Callable[[ParsedUrl], tuple[str, ...]]


def _full_forms(url: ParsedUrl) -> tuple[str, ...]:
    return url.full_forms


def _host_path_forms(url: ParsedUrl) -> tuple[str, ...]:
    return url.host_path_forms


def _path_forms(url: ParsedUrl) -> tuple[str, ...]:
    return url.path_forms


def _url_value(value: str) -> tuple[_Forms, str]:
    """Which forms of the page a page-URL rule value is compared with, and its normal form."""
    text = _comparable(value.strip().partition("#")[0].partition("?")[0])
    match = _SCHEME.match(text)
    if match:
        authority, slash, path = text[match.end() :].partition("/")
        host = _without_port(authority.rpartition("@")[2], (_DEFAULT_PORTS.get(match[1], ""),))
        return _full_forms, f"{match[1]}://{host}{_trimmed(slash + path)}"
    if text.startswith("/") and not text.startswith("//"):
        return _path_forms, _trimmed(text)
    authority, slash, path = text.removeprefix("//").partition("/")
    return _host_path_forms, _without_port(authority, _WEB_DEFAULT_PORTS) + _trimmed(slash + path)


# ---------------------------------------------------------------- compiling rules

_Matcher = Callable[[PageView], bool]
_Test = Callable[[str], bool]

# Each negative operator is exactly "not" its positive partner, for every field.
_NEGATED = {
    RuleOperator.IS_NOT: RuleOperator.IS,
    RuleOperator.DOES_NOT_CONTAIN: RuleOperator.CONTAINS,
    RuleOperator.IS_UNKNOWN: RuleOperator.IS_KNOWN,
}
_VISITOR_FIELDS = (RuleField.VISITOR, RuleField.CONTACT_PROPERTY, RuleField.DEVICE)
_URL_RANKS = {
    RuleOperator.IS: 1,
    RuleOperator.STARTS_WITH: 2,
    RuleOperator.ENDS_WITH: 2,
    RuleOperator.CONTAINS: 3,
    RuleOperator.MATCHES_WILDCARD: 4,
}
_VISITOR_RANK = 5
_NEGATIVE_RANK = 6
_ALL_PAGES_RANK = 7
_KNOWN = ("known_contact",)
_UNKNOWN = ("unknown_visitor",)


def rule_rank(rule: Rule) -> int:
    """How specific an inclusion rule is, 0 (most) to 7 (all pages); see the module docstring."""
    if rule.operator is RuleOperator.ALL_PAGES:
        return _ALL_PAGES_RANK
    if rule.field in _VISITOR_FIELDS:
        return _VISITOR_RANK
    if rule.operator in _NEGATED:
        return _NEGATIVE_RANK
    if rule.field is RuleField.QUERY_PARAMETER:
        return 0
    # IS_KNOWN on a page URL holds on every page, like ALL_PAGES.
    return _URL_RANKS.get(rule.operator, _ALL_PAGES_RANK)


def _wildcard(pattern: str) -> _Test:
    """``*`` matches any run of characters. Matched by finding each literal piece leftmost,
    in order — linear in the URL, unlike a backtracking regex (``*a*a*a*b`` on a long URL)."""
    first, *middle, last = pattern.split("*")
    least = len(pattern) - len(middle) - 1  # the literal characters a match needs

    def test(text: str) -> bool:
        if len(text) < least or not (text.startswith(first) and text.endswith(last)):
            return False
        start, end = len(first), len(text) - len(last)
        for piece in middle:
            found = text.find(piece, start, end)
            if found < 0:
                return False
            start = found + len(piece)
        return True

    return test


def _test(operator: RuleOperator, value: str) -> _Test:
    """The positive string test of ``operator`` (never a negative one) against ``value``."""
    if operator is RuleOperator.IS:
        return lambda text: text == value
    if operator is RuleOperator.CONTAINS:
        return lambda text: value in text
    if operator is RuleOperator.STARTS_WITH:
        return lambda text: text.startswith(value)
    if operator is RuleOperator.ENDS_WITH:
        return lambda text: text.endswith(value)
    if operator is RuleOperator.MATCHES_WILDCARD:
        return _wildcard(value) if "*" in value else lambda text: text == value
    return lambda text: text != ""  # IS_KNOWN: has a non-empty value


def _never(_text: str) -> bool:
    return False


def _candidates(rule: Rule) -> tuple[Callable[[PageView], Sequence[str]], str]:
    """What the rule's value is compared with on a page view (any may match), and the value
    in comparable form."""
    value = rule.value.strip().casefold()
    if rule.field is RuleField.PAGE_URL:
        forms, value = _url_value(rule.value)
        return lambda view: forms(parse_url(view.url)), value
    if rule.field is RuleField.QUERY_PARAMETER:
        name = rule.name.strip().casefold()
        return lambda view: parse_url(view.url).query.get(name, ()), value
    if rule.field is RuleField.VISITOR:
        return lambda view: _KNOWN if view.visitor.known else _UNKNOWN, value
    if rule.field is RuleField.DEVICE:
        return lambda view: (view.device.strip().casefold(),), value
    name = rule.name.strip()

    def contact_property(view: PageView) -> Sequence[str]:
        found = view.visitor.properties.get(name) if view.visitor.known else None
        return () if found is None else (found.strip().casefold(),)

    return contact_property, value


@lru_cache(maxsize=4096)
def _compile_rule(rule: Rule) -> _Matcher:
    if rule.operator is RuleOperator.ALL_PAGES:
        return lambda _view: True
    positive = _NEGATED.get(rule.operator, rule.operator)
    candidates, value = _candidates(rule)
    needs_value = positive is not RuleOperator.IS_KNOWN
    empty_url = rule.field is RuleField.PAGE_URL and needs_value and not value
    test = _never if empty_url else _test(positive, value)
    if positive is rule.operator:
        return lambda view: any(map(test, candidates(view)))
    return lambda view: not any(map(test, candidates(view)))


@dataclass(frozen=True, slots=True)
class _CompiledTarget:
    groups: tuple[tuple[int, tuple[_Matcher, ...]], ...]  # (rank, rules), best rank first
    exclusions: tuple[_Matcher, ...]


@lru_cache(maxsize=1024)
def _compile_target(target: TargetSettings) -> _CompiledTarget:
    # Cached on the (hashable) target settings: a Chatflow itself is not hashable.
    groups = sorted(
        (
            (
                min(map(rule_rank, group.rules), default=_ALL_PAGES_RANK),
                tuple(map(_compile_rule, group.rules)),
            )
            for group in target.groups
        ),
        key=lambda item: item[0],
    )
    return _CompiledTarget(tuple(groups), tuple(map(_compile_rule, target.exclusions)))


def _target_rank(target: TargetSettings, page_view: PageView) -> int | None:
    compiled = _compile_target(target)
    for rank, rules in compiled.groups:
        if all(rule(page_view) for rule in rules):
            if any(rule(page_view) for rule in compiled.exclusions):
                return None  # TG3: an exclusion beats any inclusion
            return rank
    return None


# ---------------------------------------------------------------- public API


def rule_matches(rule: Rule, page_view: PageView) -> bool:
    """Whether one rule holds on this page view (TG1, TG2, TG4)."""
    return _compile_rule(rule)(page_view)


def chatflow_applies(target: TargetSettings, page_view: PageView) -> bool:
    """TG3, TG5: all rules of any group hold and no exclusion holds."""
    return _target_rank(target, page_view) is not None


def specificity(chatflow: Chatflow, page_view: PageView) -> int | None:
    """The rank (0 most specific … 7) of the chatflow's best group that holds on the page,
    or ``None`` when the chatflow does not apply. Ignores ``published``."""
    return _target_rank(chatflow.target, page_view)


def _ranked(
    chatflows: Sequence[Chatflow], page_view: PageView
) -> list[tuple[tuple[int, int, str], Chatflow]]:
    ranked = []
    for chatflow in chatflows:
        if chatflow.published:
            rank = _target_rank(chatflow.target, page_view)
            if rank is not None:
                ranked.append(((rank, chatflow.priority, chatflow.id), chatflow))
    return ranked


def matching_chatflows(chatflows: Sequence[Chatflow], page_view: PageView) -> list[Chatflow]:
    """Every published chatflow that applies to the page, the one shown first (TG6)."""
    return [chatflow for _, chatflow in sorted(_ranked(chatflows, page_view), key=_key)]


def select_chatflow(chatflows: Sequence[Chatflow], page_view: PageView) -> Chatflow | None:
    """TG6: the published chatflow the page shows, or ``None``: most specific match first,
    then lower ``priority``, then smaller ``id``."""
    ranked = _ranked(chatflows, page_view)
    return min(ranked, key=_key)[1] if ranked else None


def _key(item: tuple[tuple[int, int, str], Chatflow]) -> tuple[int, int, str]:
    return item[0]
