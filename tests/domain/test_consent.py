"""Consent: what the widget asks (OP3 to OP5), what blocks sending (OP4), cookies (OP3, OP8)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.domain.chatflow import (
    CommunicationConsent,
    CookieConsent,
    CookieConsentTiming,
    DataProcessingConsent,
    DataProcessingKind,
    Language,
    OptionsSettings,
)
from reference_server.domain.consent import (
    BannerMoment,
    CompanyNames,
    ConsentCheck,
    ConsentGiven,
    ConsentPlan,
    ConsentRecord,
    PageBanner,
    communication_default_text,
    consent_for_conversation,
    consent_plan,
    cookie_banner_due,
    effective_text,
    may_send_message,
    messages_utk_allowed,
    remember_answers,
    show_cookie_banner_now,
)
from reference_server.domain.texts import text

ACME = CompanyNames(company_name="Acme AS", account_name="acme-account", domain="acme.no")


def plan_for(
    options: OptionsSettings | None = None,
    *,
    language: Language = Language.EN,
    identified: bool = False,
    company: CompanyNames = ACME,
    page_banner: PageBanner = PageBanner.CHATFLOW,
) -> ConsentPlan:
    return consent_plan(options or OptionsSettings(), language, identified, company, page_banner)


def with_cookies(**values: Any) -> OptionsSettings:
    return OptionsSettings(cookie_consent=CookieConsent(**values))


def with_processing(**values: Any) -> OptionsSettings:
    return OptionsSettings(data_processing_consent=DataProcessingConsent(**values))


def with_communication(**values: Any) -> OptionsSettings:
    return OptionsSettings(communication_consent=CommunicationConsent(**values))


# ---------------------------------------------------------------- the plan (OP3 to OP5, OP8)


@pytest.mark.feature("OP3", "OP4", "OP5")
def test_a_default_chatflow_asks_for_cookies_and_explicit_data_processing_consent() -> None:
    plan = plan_for()
    assert plan == ConsentPlan(
        cookie_banner=CookieConsentTiming.BEFORE_CHAT,
        cookie_text=text(Language.EN, "consent.cookies.default"),
        data_processing=DataProcessingKind.EXPLICIT,
        data_processing_text=text(Language.EN, "consent.data_processing.default"),
        privacy_policy_url="",
        communication_checkbox=False,
        communication_text="",
        subscription_type="",
        banner_moment=BannerMoment.BEFORE_CHAT,
    )


@pytest.mark.feature("OP3", "OP8")
def test_identified_visitors_see_no_cookie_banner_but_still_the_data_processing_notice() -> None:
    plan = plan_for(identified=True)
    assert plan.cookie_banner is None
    assert plan.cookie_text == ""
    assert plan.data_processing is DataProcessingKind.EXPLICIT


@pytest.mark.feature("OP3")
def test_switching_cookie_consent_off_removes_the_banner() -> None:
    plan = plan_for(with_cookies(enabled=False, text="Cookies?"))
    assert (plan.cookie_banner, plan.cookie_text) == (None, "")


@pytest.mark.feature("OP3")
def test_the_banner_carries_its_timing_and_the_accounts_own_text() -> None:
    plan = plan_for(with_cookies(timing=CookieConsentTiming.ON_EXIT, text="Cookies, {name}?"))
    assert plan.cookie_banner is CookieConsentTiming.ON_EXIT
    assert plan.cookie_text == "Cookies, {name}?"  # the account's words, braces and all


@pytest.mark.feature("OP1", "OP3", "OP4")
@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("reset_text", ["", "   "])
def test_reset_to_default_shows_the_localised_default_texts(
    language: Language, reset_text: str
) -> None:
    options = OptionsSettings(
        cookie_consent=CookieConsent(text=reset_text),
        data_processing_consent=DataProcessingConsent(text=reset_text),
    )
    plan = plan_for(options, language=language)
    assert plan.cookie_text == text(language, "consent.cookies.default")
    assert plan.data_processing_text == text(language, "consent.data_processing.default")


@pytest.mark.feature("OP1", "OP3")
def test_the_norwegian_default_differs_from_the_english_one() -> None:
    english = plan_for(language=Language.EN).cookie_text
    norwegian = plan_for(language=Language.NB).cookie_text
    assert english != norwegian
    assert "informasjonskapsler" in norwegian


@pytest.mark.feature("OP4")
def test_legitimate_interest_shows_the_notice_with_the_privacy_policy_link() -> None:
    options = with_processing(
        kind=DataProcessingKind.LEGITIMATE_INTEREST,
        text="We process your data.",
        privacy_policy_url="https://acme.no/privacy",
    )
    plan = plan_for(options)
    assert plan.data_processing is DataProcessingKind.LEGITIMATE_INTEREST
    assert plan.data_processing_text == "We process your data."
    assert plan.privacy_policy_url == "https://acme.no/privacy"


@pytest.mark.feature("OP4")
def test_switching_data_processing_consent_off_removes_the_notice_and_its_link() -> None:
    options = with_processing(enabled=False, privacy_policy_url="https://acme.no/privacy")
    plan = plan_for(options)
    assert (plan.data_processing, plan.data_processing_text, plan.privacy_policy_url) == (
        None,
        "",
        "",
    )


@pytest.mark.feature("OP5")
def test_the_communication_checkbox_shows_its_subscription_and_custom_text() -> None:
    options = with_communication(
        enabled=True, subscription_type="newsletter", text="Send me the newsletter"
    )
    plan = plan_for(options)
    assert plan.communication_checkbox is True
    assert plan.communication_text == "Send me the newsletter"
    assert plan.subscription_type == "newsletter"


@pytest.mark.feature("OP5")
def test_the_communication_checkbox_text_resets_to_a_default_naming_the_company() -> None:
    plan = plan_for(with_communication(enabled=True, subscription_type="newsletter", text=" "))
    assert plan.communication_text == "I agree to receive other communications from Acme AS."


@pytest.mark.feature("OP5")
def test_a_switched_off_communication_consent_shows_no_checkbox() -> None:
    plan = plan_for(with_communication(enabled=False, subscription_type="news", text="Hi"))
    assert (plan.communication_checkbox, plan.communication_text, plan.subscription_type) == (
        False,
        "",
        "",
    )


@pytest.mark.feature("OP5")
@pytest.mark.parametrize(
    ("company", "named"),
    [
        (CompanyNames("Acme AS", "acme-account", "acme.no"), "Acme AS"),
        (CompanyNames("", "acme-account", "acme.no"), "acme-account"),
        (CompanyNames("  ", "", "acme.no"), "acme.no"),
        (CompanyNames(" Acme AS ", "", ""), "Acme AS"),
    ],
)
def test_the_default_checkbox_text_names_the_first_of_company_account_and_domain(
    company: CompanyNames, named: str
) -> None:
    assert communication_default_text(company, Language.EN) == (
        f"I agree to receive other communications from {named}."
    )


@pytest.mark.feature("OP1", "OP5")
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (Language.EN, "I agree to receive other communications from us."),
        (Language.NB, "Jeg samtykker i å motta annen kommunikasjon fra oss."),
    ],
)
def test_an_account_without_any_name_gets_a_default_that_says_us(
    language: Language, expected: str
) -> None:
    assert communication_default_text(CompanyNames(), language) == expected


@pytest.mark.feature("OP3", "OP4", "OP5")
def test_effective_text_fills_values_into_the_default_but_never_into_custom_text() -> None:
    key = "consent.communication.default"
    assert effective_text("", key, Language.NB, company="Acme") == (
        "Jeg samtykker i å motta annen kommunikasjon fra Acme."
    )
    assert effective_text("From {company}", key, Language.NB, company="Acme") == ("From {company}")


# ---------------------------------------------------------------- sending (OP4)

EXPLICIT = plan_for()
LEGITIMATE = plan_for(with_processing(kind=DataProcessingKind.LEGITIMATE_INTEREST))
NO_PROCESSING = plan_for(with_processing(enabled=False))


@pytest.mark.feature("OP4")
@pytest.mark.parametrize(
    ("plan", "consent", "expected"),
    [
        (EXPLICIT, ConsentGiven(), ConsentCheck(False, ("data_processing",))),
        (EXPLICIT, ConsentGiven(cookies=True), ConsentCheck(False, ("data_processing",))),
        (EXPLICIT, ConsentGiven(data_processing=True), ConsentCheck(True, ())),
        (LEGITIMATE, ConsentGiven(), ConsentCheck(True, ())),
        (NO_PROCESSING, ConsentGiven(), ConsentCheck(True, ())),
    ],
)
def test_explicit_data_processing_consent_blocks_sending_until_the_visitor_agrees(
    plan: ConsentPlan, consent: ConsentGiven, expected: ConsentCheck
) -> None:
    assert may_send_message(plan, consent) == expected


@pytest.mark.feature("OP3", "OP4", "OP5")
@settings(max_examples=50)
@given(cookies=st.sampled_from([None, True, False]), communication=st.booleans())
def test_cookie_answers_and_the_communication_checkbox_never_block_chatting(
    cookies: bool | None, communication: bool
) -> None:
    agreed = ConsentGiven(cookies=cookies, data_processing=True, communication=communication)
    assert may_send_message(EXPLICIT, agreed).allowed
    assert may_send_message(LEGITIMATE, ConsentGiven(cookies=cookies)).allowed


# ---------------------------------------------------------------- the messagesUtk cookie


@pytest.mark.feature("OP3", "OP8")
@pytest.mark.parametrize(
    ("cookie_consent_on", "identified", "cookies", "allowed"),
    [
        (True, False, None, False),  # not answered yet
        (True, False, False, False),  # declined
        (True, False, True, True),  # accepted
        (False, False, None, True),  # no consent required
        (True, True, True, False),  # OP8: identified visitors never get it
        (False, True, None, False),
    ],
)
def test_messages_utk_needs_accepted_cookies_when_consent_is_on_and_never_when_identified(
    cookie_consent_on: bool, identified: bool, cookies: bool | None, allowed: bool
) -> None:
    options = with_cookies(enabled=cookie_consent_on)
    assert messages_utk_allowed(options, identified, ConsentGiven(cookies=cookies)) is allowed


# ---------------------------------------------------------------- when the banner shows (OP3)

BEFORE = BannerMoment.BEFORE_CHAT
EXIT = BannerMoment.EXIT_INTENT
ON_EXIT = plan_for(with_cookies(timing=CookieConsentTiming.ON_EXIT))
NO_BANNER = plan_for(identified=True)


@pytest.mark.feature("OP3", "OP8")
@pytest.mark.parametrize(
    ("plan", "cookies", "moment", "shown"),
    [
        (EXPLICIT, None, BEFORE, True),  # timing before_chat
        (EXPLICIT, None, EXIT, False),
        (ON_EXIT, None, EXIT, True),  # timing on_exit
        (ON_EXIT, None, BEFORE, False),
        (EXPLICIT, True, BEFORE, False),  # already answered
        (EXPLICIT, False, BEFORE, False),
        (ON_EXIT, False, EXIT, False),
        (NO_BANNER, None, BEFORE, False),
        (NO_BANNER, None, EXIT, False),
    ],
)
def test_the_cookie_banner_shows_at_its_moment_only_until_answered(
    plan: ConsentPlan, cookies: bool | None, moment: BannerMoment, shown: bool
) -> None:
    assert show_cookie_banner_now(plan, ConsentGiven(cookies=cookies), moment) is shown


WIDGET_LOAD = BannerMoment.WIDGET_LOAD


@pytest.mark.feature("OP3", "OP8", "CV6")
@pytest.mark.parametrize(
    ("options", "identified", "page", "due"),
    [
        (OptionsSettings(), False, PageBanner.CHATFLOW, BEFORE),
        (with_cookies(timing=CookieConsentTiming.ON_EXIT), False, PageBanner.CHATFLOW, EXIT),
        (OptionsSettings(), False, PageBanner.ON_WIDGET_LOAD, WIDGET_LOAD),
        (OptionsSettings(), False, PageBanner.ON_EXIT_INTENT, EXIT),
        (
            with_cookies(timing=CookieConsentTiming.ON_EXIT),
            False,
            PageBanner.ON_WIDGET_LOAD,
            WIDGET_LOAD,
        ),
        (with_cookies(enabled=False), False, PageBanner.ON_WIDGET_LOAD, None),  # no banner to move
        (OptionsSettings(), True, PageBanner.ON_WIDGET_LOAD, None),  # OP8
    ],
)
def test_the_page_may_move_the_banner_but_never_add_one(
    options: OptionsSettings, identified: bool, page: PageBanner, due: BannerMoment | None
) -> None:
    plan = plan_for(options, identified=identified, page_banner=page)
    assert cookie_banner_due(plan, ConsentGiven()) is due
    assert cookie_banner_due(plan, ConsentGiven(cookies=False)) is None  # answered


# ------------------------------------------------------------ answers kept between conversations


NOTICE = with_processing(kind=DataProcessingKind.EXPLICIT, text="We store what you write.")


@pytest.mark.feature("OP4")
def test_i_agree_holds_for_the_next_conversation_while_the_notice_is_the_same() -> None:
    plan = plan_for(NOTICE)
    record = remember_answers(ConsentRecord(), plan, data_processing=True)
    assert record.data_processing_notice == "We store what you write."
    given = consent_for_conversation(plan, record)
    assert given.data_processing is True
    assert may_send_message(plan, given).allowed


@pytest.mark.feature("OP4")
def test_a_changed_or_other_notice_is_asked_for_again() -> None:
    record = remember_answers(ConsentRecord(), plan_for(NOTICE), data_processing=True)
    changed = plan_for(with_processing(kind=DataProcessingKind.EXPLICIT, text="We keep it all."))
    assert consent_for_conversation(changed, record).data_processing is False
    assert may_send_message(changed, consent_for_conversation(changed, record)).missing == (
        "data_processing",
    )
    default_text = plan_for()  # another chatflow, with the default notice
    assert consent_for_conversation(default_text, record).data_processing is False


@pytest.mark.feature("OP4")
def test_without_a_notice_an_earlier_yes_is_kept_as_given() -> None:
    record = remember_answers(ConsentRecord(), plan_for(NOTICE), data_processing=True)
    no_notice = plan_for(with_processing(enabled=False))
    assert consent_for_conversation(no_notice, record).data_processing is True


@pytest.mark.feature("OP3", "OP4", "OP5")
def test_answers_not_given_now_keep_the_record_and_a_withdrawal_forgets_the_notice() -> None:
    plan = plan_for(NOTICE)
    record = remember_answers(
        ConsentRecord(), plan, cookies=False, data_processing=True, communication=True
    )
    assert remember_answers(record, plan) == record
    withdrawn = remember_answers(record, plan, data_processing=False, cookies=True)
    assert withdrawn == ConsentRecord(
        cookies=True, data_processing=False, data_processing_notice="", communication=True
    )
    given = consent_for_conversation(plan, withdrawn)
    assert given == ConsentGiven(cookies=True, data_processing=False, communication=True)
