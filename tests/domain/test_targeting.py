"""Tests of targeting: which pages and visitors a chatflow applies to, and which one wins."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.domain.chatflow import (
    Chatflow,
    FilterGroup,
    Rule,
    RuleField,
    RuleOperator,
    TargetSettings,
    Workspace,
)
from reference_server.domain.targeting import (
    PageView,
    Visitor,
    chatflow_applies,
    matching_chatflows,
    parse_url,
    rule_matches,
    rule_rank,
    select_chatflow,
    specificity,
)

Op = RuleOperator
PAGE_URL = RuleField.PAGE_URL
QUERY = RuleField.QUERY_PARAMETER
VISITOR = RuleField.VISITOR
PROPERTY = RuleField.CONTACT_PROPERTY
DEVICE = RuleField.DEVICE
HOME = "https://example.com/"


def page(url: str = HOME, device: str = "desktop", **properties: str) -> PageView:
    """A page view; any properties make the visitor a known contact."""
    return PageView(url, device, Visitor(known=bool(properties), properties=properties))


def url_rule(operator: RuleOperator, value: str = "") -> Rule:
    return Rule(PAGE_URL, operator, value)


def query_rule(name: str, value: str, operator: RuleOperator = Op.IS) -> Rule:
    return Rule(QUERY, operator, value, name)


def property_rule(name: str, operator: RuleOperator, value: str = "") -> Rule:
    return Rule(PROPERTY, operator, value, name)


def group(*rules: Rule) -> FilterGroup:
    return FilterGroup(rules)


def target(*groups: FilterGroup, exclusions: tuple[Rule, ...] = ()) -> TargetSettings:
    return TargetSettings(groups, exclusions)


def only(rule: Rule) -> TargetSettings:
    return target(group(rule))


def chatflow(
    id: str,
    targeting: TargetSettings | None = None,
    *,
    published: bool = True,
    priority: int = 100,
) -> Chatflow:
    return Chatflow(
        id=id,
        name=f"Chatflow {id}",
        workspace=Workspace(id="inbox-1"),
        published=published,
        priority=priority,
        target=targeting if targeting is not None else TargetSettings(),
    )


def ids(chatflows: list[Chatflow]) -> list[str]:
    return [c.id for c in chatflows]


# ---------------------------------------------------------------- TG1: page URL operators

PRICING = "https://example.com/pricing"
URL_OPERATOR_TABLE = [
    # operator, value, page URL, holds
    (Op.ALL_PAGES, "", "https://anything.test/at/all?x=1", True),
    (Op.IS, "/pricing", PRICING, True),
    (Op.IS, "/pricing", "https://example.com/pricing/plans", False),
    (Op.IS, "https://example.com/pricing", PRICING, True),
    (Op.IS, "https://example.com/pricing", "https://example.com/pricing-old", False),
    (Op.IS_NOT, "/pricing", PRICING, False),
    (Op.IS_NOT, "/pricing", "https://example.com/about", True),
    (Op.CONTAINS, "pric", PRICING, True),
    (Op.CONTAINS, "/blog/", "https://example.com/blog/post-1", True),
    (Op.CONTAINS, "careers", PRICING, False),
    (Op.DOES_NOT_CONTAIN, "careers", PRICING, True),
    (Op.DOES_NOT_CONTAIN, "pric", PRICING, False),
    (Op.STARTS_WITH, "/blog", "https://example.com/blog/post-1", True),
    (Op.STARTS_WITH, "/blog", "https://example.com/news/blog", False),
    (Op.STARTS_WITH, "https://example.com/", "https://example.com/any/page", True),
    (Op.STARTS_WITH, "https://example.com/", "https://example.com.evil.test/", False),
    (Op.ENDS_WITH, ".pdf", "https://example.com/files/terms.pdf", True),
    (Op.ENDS_WITH, ".pdf", "https://example.com/files/terms.pdf.html", False),
    (Op.ENDS_WITH, "/checkout", "https://example.com/shop/checkout/", True),
    (Op.MATCHES_WILDCARD, "/blog/*", "https://example.com/blog/2024/05/post", True),
    (Op.MATCHES_WILDCARD, "/blog/*", "https://example.com/news/blog/post", False),
    (Op.MATCHES_WILDCARD, "*/products/*/reviews", "https://shop.test/products/42/reviews", True),
    (Op.MATCHES_WILDCARD, "*/products/*/reviews", "https://shop.test/products/42/specs", False),
    (Op.MATCHES_WILDCARD, "https://*.example.com/*", "https://help.example.com/a", True),
    (Op.MATCHES_WILDCARD, "https://*.example.com/*", "https://example.org/a", False),
    (Op.MATCHES_WILDCARD, "/pricing", PRICING, True),  # no star: the whole value must match
    (Op.MATCHES_WILDCARD, "/pricing", "https://example.com/pricing/plans", False),
]


@pytest.mark.feature("TG1")
@pytest.mark.parametrize(
    ("operator", "value", "url", "holds"),
    URL_OPERATOR_TABLE,
    ids=[f"{op.value}-{value or 'none'}-{url}" for op, value, url, _ in URL_OPERATOR_TABLE],
)
def test_page_url_operator_holds_exactly_on_the_pages_it_names(
    operator: RuleOperator, value: str, url: str, holds: bool
) -> None:
    assert rule_matches(url_rule(operator, value), page(url)) is holds


NORMALISATION_TABLE = [
    # rule value compared with IS, page URL, holds
    ("/pricing", "https://example.com/pricing/", True),  # trailing slash of the page
    ("/pricing/", "https://example.com/pricing", True),  # trailing slash of the value
    ("/pricing", "https://example.com/pricing//", True),
    ("/Pricing", "https://example.com/PRICING", True),  # case-insensitive path
    ("https://example.com/pricing", "HTTPS://EXAMPLE.com/pricing", True),
    ("HTTPS://Example.COM/pricing", PRICING, True),
    ("https://example.com/pricing", "https://example.com:443/pricing", True),  # default port
    ("http://example.com/pricing", "http://example.com:80/pricing", True),
    ("https://example.com:443/pricing", PRICING, True),
    ("https://example.com/pricing", "https://example.com:8443/pricing", False),
    ("https://example.com:8443/pricing", "https://example.com:8443/pricing", True),
    ("http://example.com/pricing", "http://example.com:443/pricing", False),  # not http's
    ("example.com:443/pricing", PRICING, True),  # without a scheme, 80 and 443 are defaults
    ("example.com:80/pricing", "http://example.com/pricing", True),
    ("localhost:8000/admin", "http://localhost:8000/admin/", True),
    ("/pricing", "https://example.com/pricing#plans", True),  # fragment ignored
    ("/pricing", "https://example.com/pricing?utm_source=ad&x=1", True),  # query ignored
    ("/pricing?plan=pro", PRICING, True),  # the value's query string is ignored too
    ("/pricing#faq", "https://example.com/pricing?a=1#top", True),
    ("https://example.com/pricing", "http://example.com/pricing", False),  # scheme counts
    ("/", HOME, True),  # the root stays "/"
    ("/", "https://example.com", True),
    ("/", "https://example.com/?ref=1", True),
    ("/", PRICING, False),
    ("https://example.com", HOME, True),  # a value naming the site means its home page
    ("https://example.com/", "https://example.com", True),
    ("example.com", HOME, True),
    ("example.com/", "https://example.com", True),
    ("example.com", PRICING, False),
    ("//example.com/pricing", PRICING, True),  # scheme-relative: host and path
    ("example.com/pricing", "https://example.com/pricing", True),  # host+path, any scheme
    ("example.com/pricing", "http://example.com/pricing", True),
    ("example.com/pricing", "https://other.test/pricing", False),
    ("/pricing", "https://other.test/pricing", True),  # a path matches on every host
    ("https://example.com/pricing", "https://user:secret@example.com/pricing", True),
    ("https://example.com/a%2Fb", "https://example.com/a/b", False),  # escapes not decoded
    ("https://example.com/a%2fb", "https://example.com/a%2Fb", True),
    ("/b%C3%A5t", "https://example.com/båt", True),  # a browser escapes non-ASCII
    ("/BÅT", "https://example.com/b%c3%a5t", True),
    ("/my page", "https://example.com/my%20page", True),
    ("/pricing", "/pricing/", True),  # a bare path is a page on no particular host
    ("example.com/pricing", "example.com/pricing", True),  # no scheme: read as https
    ("https://example.com/pricing", "example.com/pricing", True),
    ("  /pricing  ", " https://example.com/pricing\t", True),  # surrounding spaces
]


@pytest.mark.feature("TG1")
@pytest.mark.parametrize(("value", "url", "holds"), NORMALISATION_TABLE)
def test_page_url_is_compared_in_normalised_form(value: str, url: str, holds: bool) -> None:
    assert rule_matches(url_rule(Op.IS, value), page(url)) is holds
    assert rule_matches(url_rule(Op.IS_NOT, value), page(url)) is not holds


@pytest.mark.feature("TG1")
def test_page_view_exposes_its_normalised_url() -> None:
    parsed = page("HTTPS://Shop.Example.com:443/Cart/?Step=2&step=3#pay").parsed
    assert (parsed.full, parsed.host_path, parsed.path) == (
        "https://shop.example.com/cart",
        "shop.example.com/cart",
        "/cart",
    )
    assert dict(parsed.query) == {"step": ("2", "3")}
    assert parse_url("http://[::1]:8080/x/").full == "http://[::1]:8080/x"
    assert parse_url("http://[::1]:80/").full == "http://[::1]/"
    assert parse_url("https://example.com:/x").full == "https://example.com/x"
    assert parse_url("").path == "/"
    assert parse_url("//Example.com/x/").full == "https://example.com/x"


@pytest.mark.feature("TG1")
def test_value_that_is_only_a_query_string_names_no_page() -> None:
    for url in (HOME, PRICING, "https://example.com/?ref=x"):
        assert not rule_matches(url_rule(Op.CONTAINS, "?ref=x"), page(url))
        assert not rule_matches(url_rule(Op.STARTS_WITH, "#top"), page(url))
        assert rule_matches(url_rule(Op.DOES_NOT_CONTAIN, "?ref=x"), page(url))


@pytest.mark.feature("TG1")
def test_starts_with_a_bare_site_includes_its_home_page_and_every_page() -> None:
    rule = url_rule(Op.STARTS_WITH, "https://example.com")
    assert rule_matches(rule, page(HOME))
    assert rule_matches(rule, page(PRICING))
    assert not rule_matches(rule, page("https://other.test/"))


@pytest.mark.feature("TG1")
def test_ends_with_a_site_name_matches_its_home_page() -> None:
    assert rule_matches(url_rule(Op.ENDS_WITH, "example.com"), page(HOME))
    assert not rule_matches(url_rule(Op.ENDS_WITH, "example.com"), page(PRICING))


WILDCARD_TABLE = [
    # value, page URL, holds: only "*" is special
    ("/v1.0/*", "https://example.com/v1.0/docs", True),
    ("/v1.0/*", "https://example.com/v1x0/docs", False),  # "." is not "any character"
    ("/c++/*", "https://example.com/c++/intro", True),
    ("/c++/*", "https://example.com/ccc/intro", False),  # "+" is not "one or more"
    ("/colou?r", "https://example.com/color", False),  # "?" is not "optional"
    ("/colou?r", "https://example.com/colour", False),
    ("/search?q=*", "https://example.com/search?q=shoes", True),  # "?" starts a query
    ("/(beta)/*", "https://example.com/(beta)/new", True),
    ("/(beta)/*", "https://example.com/beta/new", False),
    ("/[ab]/*", "https://example.com/[ab]/x", True),
    ("/[ab]/*", "https://example.com/a/x", False),
    ("/a|b", "https://example.com/a", False),
    ("/a|b", "https://example.com/a|b", True),
    ("/^x$", "https://example.com/^x$", True),
    ("/back\\slash*", "https://example.com/back\\slash/x", True),
    ("/{1,2}*", "https://example.com/{1,2}", True),
    ("*", "https://anything.test/at/all", True),
    ("/*", "https://example.com/", True),
    ("*/docs/**/faq", "https://example.com/docs/faq", False),  # the "/" around ** must be there
    ("*/docs/**/faq", "https://example.com/docs/a/b/faq", True),
    ("*a*b*c", "https://example.com/cba", False),  # pieces in order
    ("*a*b*c", "https://example.com/abc", True),
    ("/ab*ba", "https://example.com/aba", False),  # prefix and suffix may not overlap
    ("/ab*ba", "https://example.com/abba", True),
    ("/ab*ba", "https://example.com/ab-ba", True),
    ("/x*", "https://example.com/y", False),
]


@pytest.mark.feature("TG1")
@pytest.mark.parametrize(("value", "url", "holds"), WILDCARD_TABLE)
def test_wildcard_star_is_the_only_special_character(value: str, url: str, holds: bool) -> None:
    assert rule_matches(url_rule(Op.MATCHES_WILDCARD, value), page(url)) is holds


@pytest.mark.feature("TG1")
def test_wildcard_with_many_stars_on_a_long_url_answers_at_once() -> None:
    # A backtracking regex would take hours on this; visitors' URLs can be long.
    rule = url_rule(Op.MATCHES_WILDCARD, "/" + "*a" * 20 + "*b")
    assert not rule_matches(rule, page("https://example.com/" + "a" * 5000))
    assert rule_matches(rule, page("https://example.com/" + "a" * 5000 + "b"))


TEXT = st.text(alphabet="ab.+()[]^$|\\", max_size=8)


@pytest.mark.feature("TG1")
@settings(max_examples=200, deadline=None)
@given(pattern=st.text(alphabet="ab.+()*", max_size=8), text=TEXT)
def test_wildcard_matches_like_a_star_only_glob(pattern: str, text: str) -> None:
    expected = re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), text, re.DOTALL)
    rule = url_rule(Op.MATCHES_WILDCARD, "/" + pattern)
    assert rule_matches(rule, page("https://example.com/" + text)) is (expected is not None)


URLS = st.builds(
    lambda scheme, host, port, path, slash, query: f"{scheme}://{host}{port}{path}{slash}{query}",
    st.sampled_from(["https", "http", "HTTPS"]),
    st.sampled_from(["example.com", "Shop.Example.com", "other.test"]),
    st.sampled_from(["", ":8080", ":443"]),
    st.lists(st.text(alphabet="abcAB.+()%20-", min_size=1, max_size=5), max_size=3).map(
        lambda parts: "".join("/" + part for part in parts)
    ),
    st.sampled_from(["", "/"]),
    st.sampled_from(["", "?utm_source=ad", "#top", "?a=1&a=2#x"]),
)


@pytest.mark.feature("TG1")
@settings(max_examples=200, deadline=None)
@given(url=URLS)
def test_a_page_matches_its_own_url_in_any_spelling(url: str) -> None:
    view = page(url)
    for spelling in (url, url.upper(), url.lower(), url.partition("?")[0] + "/"):
        assert rule_matches(url_rule(Op.IS, spelling), view)
        assert not rule_matches(url_rule(Op.IS_NOT, spelling), view)
        assert rule_matches(url_rule(Op.STARTS_WITH, spelling), view)
        assert rule_matches(url_rule(Op.MATCHES_WILDCARD, spelling), view)
    assert rule_matches(url_rule(Op.IS, view.parsed.path), view)
    assert rule_matches(url_rule(Op.ALL_PAGES), view)


@pytest.mark.feature("TG1")
@settings(max_examples=200, deadline=None)
@given(url=URLS, value=st.text(alphabet="abcAB.+()-", min_size=1, max_size=4))
def test_wildcard_operators_agree_with_the_plain_ones(url: str, value: str) -> None:
    view = page(url)

    def holds(operator: RuleOperator, text: str) -> bool:
        return rule_matches(url_rule(operator, text), view)

    assert holds(Op.MATCHES_WILDCARD, f"*{value}*") is holds(Op.CONTAINS, value)
    assert holds(Op.MATCHES_WILDCARD, f"{value}*") is holds(Op.STARTS_WITH, value)
    assert holds(Op.MATCHES_WILDCARD, f"*{value}") is holds(Op.ENDS_WITH, value)
    assert holds(Op.MATCHES_WILDCARD, value) is holds(Op.IS, value)
    assert holds(Op.DOES_NOT_CONTAIN, value) is not holds(Op.CONTAINS, value)


# ---------------------------------------------------------------- TG2: query parameters

QUERY_TABLE = [
    # rule name, value, page URL, IS holds
    ("utm_source", "newsletter", "https://example.com/?utm_source=newsletter", True),
    ("utm_source", "newsletter", "https://example.com/?utm_source=ads", False),
    ("utm_source", "newsletter", "https://example.com/", False),  # absent
    ("utm_source", "Newsletter", "https://example.com/?UTM_Source=NEWSLETTER", True),
    ("q", "red shoes", "https://example.com/s?q=red+shoes", True),  # decoded
    ("q", "red shoes", "https://example.com/s?q=red%20shoes", True),
    ("q", "æøå", "https://example.com/s?q=%C3%86%C3%98%C3%85", True),
    ("tag", "b", "https://example.com/?tag=a&tag=b&tag=c", True),  # any of several values
    ("tag", "d", "https://example.com/?tag=a&tag=b&tag=c", False),
    ("ref", "", "https://example.com/?ref=", True),  # blank value
    ("ref", "", "https://example.com/?ref", True),
    ("ref", "x", "https://example.com/?ref=x#section?ref=y", True),  # fragment is not query
    ("ref", "y", "https://example.com/?ref=x#section?ref=y", False),
    (" ref ", " x ", "https://example.com/?ref=x", True),  # spaces around the rule's words
]


@pytest.mark.feature("TG2")
@pytest.mark.parametrize(("name", "value", "url", "holds"), QUERY_TABLE)
def test_query_parameter_rule_compares_any_value_of_the_parameter(
    name: str, value: str, url: str, holds: bool
) -> None:
    assert rule_matches(query_rule(name, value), page(url)) is holds
    assert rule_matches(query_rule(name, value, Op.IS_NOT), page(url)) is not holds


@pytest.mark.feature("TG2")
def test_absent_parameter_fails_is_and_passes_is_not() -> None:
    view = page("https://example.com/pricing?other=1")
    assert not rule_matches(query_rule("campaign", "spring"), view)
    assert rule_matches(query_rule("campaign", "spring", Op.IS_NOT), view)


# ---------------------------------------------------------------- TG3: exclusions


@pytest.mark.feature("TG3")
def test_exclusion_rule_beats_inclusion() -> None:
    settings_ = target(
        group(url_rule(Op.ALL_PAGES)),
        exclusions=(url_rule(Op.CONTAINS, "/privacy"),),
    )
    assert chatflow_applies(settings_, page(PRICING))
    assert not chatflow_applies(settings_, page("https://example.com/legal/privacy"))
    specific = chatflow("specific", only(url_rule(Op.IS, "/legal/privacy")))
    excluded = chatflow(
        "excluded",
        target(
            group(url_rule(Op.IS, "/legal/privacy")), exclusions=(Rule(DEVICE, Op.IS, "mobile"),)
        ),
    )
    assert select_chatflow([excluded], page("https://example.com/legal/privacy", "mobile")) is None
    assert select_chatflow(
        [excluded, specific], page("https://example.com/legal/privacy", "mobile")
    )
    assert specificity(excluded, page("https://example.com/legal/privacy", "mobile")) is None


@pytest.mark.feature("TG3")
def test_any_one_of_several_exclusions_is_enough() -> None:
    settings_ = target(
        group(url_rule(Op.ALL_PAGES)),
        exclusions=(url_rule(Op.IS, "/checkout"), Rule(DEVICE, Op.IS, "mobile")),
    )
    assert chatflow_applies(settings_, page(PRICING))
    assert not chatflow_applies(settings_, page("https://example.com/checkout"))
    assert not chatflow_applies(settings_, page(PRICING, "mobile"))


DEVICES = ("desktop", "tablet", "mobile")
VISITORS = st.one_of(
    st.just(Visitor()),
    st.builds(
        lambda props: Visitor(known=True, properties=props),
        st.dictionaries(
            st.sampled_from(["plan", "country"]), st.sampled_from(["pro", "free", "NO", ""])
        ),
    ),
)
PAGE_VIEWS = st.builds(PageView, URLS, st.sampled_from(DEVICES), VISITORS)
URL_RULES = st.builds(
    url_rule,
    st.sampled_from([op for op in Op if op not in (Op.IS_KNOWN, Op.IS_UNKNOWN)]),
    st.sampled_from(["/", "/a", "a", "example.com", "*/b*", "https://example.com/", ".+"]),
)
RULES = st.one_of(
    URL_RULES,
    st.builds(
        query_rule,
        st.sampled_from(["utm_source", "a"]),
        st.sampled_from(["ad", "1", "2"]),
        st.sampled_from([Op.IS, Op.IS_NOT]),
    ),
    st.builds(Rule, st.just(VISITOR), st.just(Op.IS), st.sampled_from(["known_contact"])),
    st.builds(
        property_rule,
        st.sampled_from(["plan", "country"]),
        st.sampled_from([op for op in Op if op is not Op.ALL_PAGES]),
        st.sampled_from(["pro", "no", "p*"]),
    ),
    st.builds(Rule, st.just(DEVICE), st.sampled_from([Op.IS, Op.IS_NOT]), st.sampled_from(DEVICES)),
)
GROUPS = st.builds(FilterGroup, st.lists(RULES, min_size=1, max_size=3).map(tuple))
TARGETS = st.builds(
    TargetSettings,
    st.lists(GROUPS, min_size=1, max_size=3).map(tuple),
    st.lists(RULES, max_size=2).map(tuple),
)


def _matching_exclusion(view: PageView, choice: int) -> Rule:
    """A rule that holds on ``view``, of one of several kinds."""
    options = [
        url_rule(Op.IS, view.url),
        url_rule(Op.STARTS_WITH, view.parsed.path),
        Rule(DEVICE, Op.IS, view.device),
        Rule(VISITOR, Op.IS, "known_contact" if view.visitor.known else "unknown_visitor"),
        url_rule(Op.ALL_PAGES),
    ]
    return options[choice % len(options)]


@pytest.mark.feature("TG3", "TG6")
@settings(max_examples=200, deadline=None)
@given(
    view=PAGE_VIEWS,
    settings_=TARGETS,
    choice=st.integers(0, 4),
    where=st.integers(0, 2),
    priority=st.integers(-5, 5),
)
def test_an_exclusion_that_matches_always_wins_whatever_the_inclusions(
    view: PageView, settings_: TargetSettings, choice: int, where: int, priority: int
) -> None:
    exclusions = list(settings_.exclusions)
    exclusions.insert(min(where, len(exclusions)), _matching_exclusion(view, choice))
    # Give it inclusions that certainly hold, too.
    groups = (group(url_rule(Op.IS, view.url)), *settings_.groups, group(url_rule(Op.ALL_PAGES)))
    excluded = TargetSettings(groups, tuple(exclusions))
    assert not chatflow_applies(excluded, view)
    flow = chatflow("excluded", excluded, priority=priority)
    assert specificity(flow, view) is None
    assert select_chatflow([flow], view) is None
    assert flow not in matching_chatflows([flow, chatflow("fallback")], view)


# ---------------------------------------------------------------- TG4: visitor, property, device


@pytest.mark.feature("TG4")
def test_visitor_rule_tells_known_contacts_from_unknown_visitors() -> None:
    known_rule = Rule(VISITOR, Op.IS, "known_contact")
    unknown_rule = Rule(VISITOR, Op.IS, "unknown_visitor")
    contact = PageView(HOME, visitor=Visitor(known=True))
    stranger = PageView(HOME)
    assert rule_matches(known_rule, contact) and not rule_matches(unknown_rule, contact)
    assert rule_matches(unknown_rule, stranger) and not rule_matches(known_rule, stranger)


PROPERTY_TABLE = [
    # operator, rule value, the contact's "plan" (None: absent), holds
    (Op.IS, "pro", "pro", True),
    (Op.IS, "Pro", "PRO", True),
    (Op.IS, "pro", " pro ", True),
    (Op.IS, "pro", "professional", False),
    (Op.IS, "pro", None, False),
    (Op.IS_NOT, "pro", "free", True),
    (Op.IS_NOT, "pro", "pro", False),
    (Op.IS_NOT, "pro", None, True),
    (Op.CONTAINS, "ent", "Enterprise", True),
    (Op.CONTAINS, "x", "Enterprise", False),
    (Op.CONTAINS, "ent", None, False),
    (Op.DOES_NOT_CONTAIN, "ent", "Enterprise", False),
    (Op.DOES_NOT_CONTAIN, "x", "Enterprise", True),
    (Op.DOES_NOT_CONTAIN, "x", None, True),
    (Op.STARTS_WITH, "ent", "Enterprise", True),
    (Op.STARTS_WITH, "pri", "Enterprise", False),
    (Op.ENDS_WITH, "PRISE", "enterprise", True),
    (Op.ENDS_WITH, "ent", "enterprise", False),
    (Op.MATCHES_WILDCARD, "e*p*e", "Enterprise", True),
    (Op.MATCHES_WILDCARD, "e.*", "Enterprise", False),
    (Op.MATCHES_WILDCARD, "e.*", "e.anything", True),
    (Op.MATCHES_WILDCARD, "pro", "PRO", True),
    (Op.IS_KNOWN, "", "pro", True),
    (Op.IS_KNOWN, "", "", False),
    (Op.IS_KNOWN, "", "   ", False),
    (Op.IS_KNOWN, "", None, False),
    (Op.IS_UNKNOWN, "", "pro", False),
    (Op.IS_UNKNOWN, "", "", True),
    (Op.IS_UNKNOWN, "", None, True),
]


@pytest.mark.feature("TG4")
@pytest.mark.parametrize(("operator", "value", "plan", "holds"), PROPERTY_TABLE)
def test_contact_property_operator_compares_case_insensitively(
    operator: RuleOperator, value: str, plan: str | None, holds: bool
) -> None:
    properties = {"country": "NO"} if plan is None else {"plan": plan, "country": "NO"}
    view = PageView(HOME, visitor=Visitor(known=True, properties=properties))
    assert rule_matches(property_rule("plan", operator, value), view) is holds


@pytest.mark.feature("TG4")
@pytest.mark.parametrize("operator", [op for op in Op if op is not Op.ALL_PAGES])
def test_unknown_visitor_has_no_contact_properties(operator: RuleOperator) -> None:
    # Properties passed for an unknown visitor (e.g. a stale cookie) are ignored.
    stranger = PageView(HOME, visitor=Visitor(known=False, properties={"plan": "pro"}))
    contact = PageView(HOME, visitor=Visitor(known=True, properties={"plan": "pro"}))
    rule = property_rule("plan", operator, "pro")
    negative = operator in (Op.IS_NOT, Op.DOES_NOT_CONTAIN, Op.IS_UNKNOWN)
    assert rule_matches(rule, stranger) is negative
    assert rule_matches(rule, contact) is not negative


@pytest.mark.feature("TG4")
def test_contact_property_names_are_matched_exactly() -> None:
    view = page(plan="pro")
    assert rule_matches(property_rule(" plan ", Op.IS, "pro"), view)
    assert not rule_matches(property_rule("Plan", Op.IS, "pro"), view)


DEVICE_TABLE = [
    ("mobile", "mobile", True),
    ("mobile", "tablet", False),  # a tablet is its own device
    ("mobile", "desktop", False),
    ("tablet", "tablet", True),
    ("desktop", "desktop", True),
    ("desktop", "Desktop", True),
]


@pytest.mark.feature("TG4")
@pytest.mark.parametrize(("value", "device", "holds"), DEVICE_TABLE)
def test_device_rule_matches_only_that_device(value: str, device: str, holds: bool) -> None:
    assert rule_matches(Rule(DEVICE, Op.IS, value), page(device=device)) is holds
    assert rule_matches(Rule(DEVICE, Op.IS_NOT, value), page(device=device)) is not holds


@pytest.mark.feature("TG4", "TG3")
def test_hide_on_mobile_keeps_the_chatflow_on_desktop_and_tablet() -> None:
    settings_ = target(group(url_rule(Op.ALL_PAGES)), exclusions=(Rule(DEVICE, Op.IS, "mobile"),))
    assert [chatflow_applies(settings_, page(device=d)) for d in DEVICES] == [True, True, False]


# ---------------------------------------------------------------- TG5: groups


@pytest.mark.feature("TG5")
def test_every_rule_of_a_group_must_hold() -> None:
    settings_ = target(group(url_rule(Op.STARTS_WITH, "/blog"), Rule(DEVICE, Op.IS, "mobile")))
    assert chatflow_applies(settings_, page("https://example.com/blog/x", "mobile"))
    assert not chatflow_applies(settings_, page("https://example.com/blog/x", "desktop"))
    assert not chatflow_applies(settings_, page(PRICING, "mobile"))


@pytest.mark.feature("TG5")
def test_any_one_group_is_enough() -> None:
    settings_ = target(
        group(url_rule(Op.IS, "/pricing")),
        group(url_rule(Op.STARTS_WITH, "/blog"), Rule(VISITOR, Op.IS, "known_contact")),
    )
    assert chatflow_applies(settings_, page(PRICING))
    assert chatflow_applies(settings_, page("https://example.com/blog/x", plan="pro"))
    assert not chatflow_applies(settings_, page("https://example.com/blog/x"))
    assert not chatflow_applies(settings_, page("https://example.com/about", plan="pro"))


@pytest.mark.feature("TG5")
def test_group_without_rules_holds_everywhere_and_target_without_groups_nowhere() -> None:
    assert chatflow_applies(target(FilterGroup(())), page(PRICING))
    assert specificity(chatflow("c", target(FilterGroup(()))), page(PRICING)) == 7
    assert not chatflow_applies(target(), page(PRICING))


@pytest.mark.feature("TG5", "TG3")
@settings(max_examples=200, deadline=None)
@given(view=PAGE_VIEWS, settings_=TARGETS)
def test_groups_are_or_of_ands_minus_exclusions(view: PageView, settings_: TargetSettings) -> None:
    expected = any(
        all(rule_matches(rule, view) for rule in g.rules) for g in settings_.groups
    ) and not any(rule_matches(rule, view) for rule in settings_.exclusions)
    assert chatflow_applies(settings_, view) is expected


# ---------------------------------------------------------------- TG6: which chatflow wins

RANK_TABLE = [
    (query_rule("utm_source", "ad"), 0),
    (url_rule(Op.IS, "/pricing"), 1),
    (url_rule(Op.STARTS_WITH, "/blog"), 2),
    (url_rule(Op.ENDS_WITH, ".pdf"), 2),
    (url_rule(Op.CONTAINS, "blog"), 3),
    (url_rule(Op.MATCHES_WILDCARD, "/blog/*"), 4),
    (Rule(VISITOR, Op.IS, "known_contact"), 5),
    (property_rule("plan", Op.IS, "pro"), 5),
    (property_rule("plan", Op.IS_UNKNOWN), 5),
    (Rule(DEVICE, Op.IS_NOT, "mobile"), 5),
    (url_rule(Op.IS_NOT, "/pricing"), 6),
    (url_rule(Op.DOES_NOT_CONTAIN, "blog"), 6),
    (query_rule("utm_source", "ad", Op.IS_NOT), 6),
    (url_rule(Op.ALL_PAGES), 7),
    (url_rule(Op.IS_KNOWN), 7),
]


@pytest.mark.feature("TG6")
@pytest.mark.parametrize(("rule", "rank"), RANK_TABLE, ids=[str(i) for i in range(len(RANK_TABLE))])
def test_rule_rank_orders_rules_from_most_to_least_specific(rule: Rule, rank: int) -> None:
    assert rule_rank(rule) == rank


BLOG_POST = "https://example.com/blog/post?utm_source=ad"


@pytest.mark.feature("TG6")
def test_most_specific_match_wins_over_priority() -> None:
    chatflows = [
        chatflow("all", only(url_rule(Op.ALL_PAGES)), priority=1),
        chatflow("not-pricing", only(url_rule(Op.IS_NOT, "/pricing")), priority=1),
        chatflow("contacts", only(Rule(VISITOR, Op.IS, "unknown_visitor")), priority=1),
        chatflow("wildcard", only(url_rule(Op.MATCHES_WILDCARD, "*/blog/*")), priority=1),
        chatflow("contains", only(url_rule(Op.CONTAINS, "blog")), priority=1),
        chatflow("prefix", only(url_rule(Op.STARTS_WITH, "/blog")), priority=1),
        chatflow("exact", only(url_rule(Op.IS, "/blog/post")), priority=50),
        chatflow("campaign", only(query_rule("utm_source", "ad")), priority=99),
    ]
    view = page(BLOG_POST)
    assert ids(matching_chatflows(chatflows, view)) == [
        "campaign",
        "exact",
        "prefix",
        "contains",
        "wildcard",
        "contacts",
        "not-pricing",
        "all",
    ]
    assert [specificity(c, view) for c in matching_chatflows(chatflows, view)] == list(range(8))
    assert select_chatflow(chatflows, view) is chatflows[-1]


@pytest.mark.feature("TG6")
def test_priority_breaks_a_tie_then_the_id() -> None:
    chatflows = [
        chatflow("b", only(url_rule(Op.STARTS_WITH, "/blog")), priority=2),
        chatflow("c", only(url_rule(Op.ENDS_WITH, "/post")), priority=1),
        chatflow("a", only(url_rule(Op.STARTS_WITH, "/blog")), priority=2),
    ]
    assert ids(matching_chatflows(chatflows, page(BLOG_POST))) == ["c", "a", "b"]


@pytest.mark.feature("TG6", "TG5")
def test_chatflow_ranks_by_its_best_group_that_holds() -> None:
    flow = chatflow(
        "c",
        target(
            group(url_rule(Op.ALL_PAGES), Rule(DEVICE, Op.IS, "mobile")),  # 5
            group(url_rule(Op.IS, "/pricing"), Rule(DEVICE, Op.IS, "desktop")),  # 1
            group(url_rule(Op.CONTAINS, "blog")),  # 3
        ),
    )
    assert specificity(flow, page(PRICING, "desktop")) == 1
    assert specificity(flow, page(PRICING, "mobile")) == 5
    assert specificity(flow, page("https://example.com/blog", "mobile")) == 3
    assert specificity(flow, page("https://example.com/blog", "tablet")) == 3
    assert specificity(flow, page(PRICING, "tablet")) is None


@pytest.mark.feature("TG6")
def test_unpublished_chatflow_is_ignored_and_nothing_matching_gives_none() -> None:
    draft = chatflow("draft", only(url_rule(Op.IS, "/pricing")), published=False)
    live = chatflow("live", only(url_rule(Op.CONTAINS, "pric")))
    assert select_chatflow([draft, live], page(PRICING)) is live
    assert specificity(draft, page(PRICING)) == 1  # targeting alone ignores publishing
    assert select_chatflow([draft, live], page(HOME)) is None
    assert matching_chatflows([draft], page(PRICING)) == []
    assert select_chatflow([], page(PRICING)) is None


CHATFLOW_SPECS = st.lists(
    st.tuples(TARGETS, st.booleans(), st.integers(0, 3)), min_size=1, max_size=6
).map(
    lambda specs: [
        chatflow(f"c{i}", t, published=published, priority=priority)
        for i, (t, published, priority) in enumerate(specs)
    ]
)


@pytest.mark.feature("TG6")
@settings(max_examples=100, deadline=None)
@given(view=PAGE_VIEWS, chatflows=CHATFLOW_SPECS, data=st.data())
def test_select_chatflow_is_independent_of_the_order_of_the_input_list(
    view: PageView, chatflows: list[Chatflow], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(chatflows))
    chosen = select_chatflow(chatflows, view)
    assert select_chatflow(shuffled, view) == chosen
    assert matching_chatflows(shuffled, view) == matching_chatflows(chatflows, view)
    ranking = matching_chatflows(chatflows, view)
    assert chosen == (ranking[0] if ranking else None)


@pytest.mark.feature("TG6", "CF3")
@settings(max_examples=100, deadline=None)
@given(view=PAGE_VIEWS, chatflows=CHATFLOW_SPECS)
def test_an_unpublished_chatflow_is_never_selected(
    view: PageView, chatflows: list[Chatflow]
) -> None:
    chosen = select_chatflow(chatflows, view)
    assert chosen is None or chosen.published
    assert all(c.published for c in matching_chatflows(chatflows, view))
    if chosen is not None:
        best = specificity(chosen, view)
        for other in chatflows:
            rank = specificity(other, view)
            if other.published and rank is not None:
                assert (best, chosen.priority, chosen.id) <= (rank, other.priority, other.id)
