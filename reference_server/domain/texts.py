"""The widget's own texts in every supported language (OP1).

One catalogue, so the server, the widget and the simulator's reports say the same thing.
Texts may hold ``{placeholders}`` filled with ``str.format``. Settings texts written by the
account (welcome message, away message, …) are not here: those are the account's words.
"""

from __future__ import annotations

from .chatflow import Language

__all__ = ["TEXTS", "text"]

TEXTS: dict[Language, dict[str, str]] = {
    Language.EN: {
        # AV4: typical reply time
        "reply_time.few_minutes": "The team typically replies in a few minutes.",
        "reply_time.few_hours": "The team typically replies in a few hours.",
        "reply_time.a_day": "The team typically replies in a day.",
        # AV6: return time
        "return_time.today": "We're away right now. We'll be back today at {time}.",
        "return_time.tomorrow": "We're away right now. We'll be back tomorrow at {time}.",
        "return_time.weekday": "We're away right now. We'll be back on {weekday} at {time}.",
        "return_time.date": "We're away right now. We'll be back on {date} at {time}.",
        "weekday.0": "Monday",
        "weekday.1": "Tuesday",
        "weekday.2": "Wednesday",
        "weekday.3": "Thursday",
        "weekday.4": "Friday",
        "weekday.5": "Saturday",
        "weekday.6": "Sunday",
        # availability.py: a return date a week or more ahead (return_time.date)
        "date.long": "{weekday} {day} {month}",
        "month.1": "January",
        "month.2": "February",
        "month.3": "March",
        "month.4": "April",
        "month.5": "May",
        "month.6": "June",
        "month.7": "July",
        "month.8": "August",
        "month.9": "September",
        "month.10": "October",
        "month.11": "November",
        "month.12": "December",
        # BD2: email capture default
        "email_capture.default": (
            "Leave your email address so we can follow up if we get disconnected."
        ),
        # OP3–OP5: consent defaults
        "consent.cookies.default": (
            "We use cookies to remember this chat and to see how our site is used. "
            "Do you accept chat cookies?"
        ),
        "consent.data_processing.default": (
            "To answer your question we need to store and process the personal data you "
            "share in this chat."
        ),
        "consent.communication.default": (
            "I agree to receive other communications from {company}."
        ),
        # consent.py: OP5 when the account has no company name, account name or domain
        "consent.communication.company_fallback": "us",
        # widget chrome
        "widget.agree": "I agree",
        "widget.decline": "No thanks",
        "widget.send": "Send",
        "widget.placeholder": "Write a message…",
        "widget.help": "Help",
        "widget.chat": "Chat",
        "widget.search": "Search for help",
        "widget.no_results": "No articles found.",
        "widget.typing": "{name} is typing…",
        "widget.read": "Read",
        "widget.email_label": "Email",
        "widget.email_invalid": "Please enter a valid email address.",
        "widget.csat_question": "How would you rate your experience?",
        "widget.csat_thanks": "Thanks for your feedback!",
        "widget.conversation_closed": "This conversation has ended.",
        "widget.minimize": "Minimize",
        "widget.open_chat": "Open chat",
        "widget.reconnecting": "Reconnecting…",
        "widget.accept": "Accept",
        "widget.submit": "Submit",
        "widget.back": "Back",
        "widget.close_prompt": "Close",
        "widget.privacy_policy": "Privacy policy",
        "widget.csat_comment": "Anything you want to add? (optional)",
        "widget.email_thanks": "Thanks! We'll follow up at {email}.",
        "widget.agree_first": "Please agree to the terms above before you send a message.",
        "widget.retry": "Retry",
        "widget.not_sent": "This message was not sent.",
        "widget.error.chatflow_unpublished": "Chat is switched off on this page right now.",
        "widget.error.rate_limited": "Too many messages at once. Try again in a moment.",
        "widget.new_conversation": "Start a new conversation",
        "widget.past_conversations": "Your conversations",
        "widget.no_past_conversations": "No conversations yet.",
        "widget.back_to_conversations": "All conversations",
        "widget.conversation_open": "Open",
        "widget.conversation_ended": "Ended",
        "widget.you_wrote": "You: {text}",
    },
    Language.NB: {
        "reply_time.few_minutes": "Teamet svarer vanligvis i løpet av noen minutter.",
        "reply_time.few_hours": "Teamet svarer vanligvis i løpet av noen timer.",
        "reply_time.a_day": "Teamet svarer vanligvis i løpet av en dag.",
        "return_time.today": "Vi er borte akkurat nå. Vi er tilbake i dag kl. {time}.",
        "return_time.tomorrow": "Vi er borte akkurat nå. Vi er tilbake i morgen kl. {time}.",
        "return_time.weekday": "Vi er borte akkurat nå. Vi er tilbake på {weekday} kl. {time}.",
        "return_time.date": "Vi er borte akkurat nå. Vi er tilbake {date} kl. {time}.",
        "weekday.0": "mandag",
        "weekday.1": "tirsdag",
        "weekday.2": "onsdag",
        "weekday.3": "torsdag",
        "weekday.4": "fredag",
        "weekday.5": "lørdag",
        "weekday.6": "søndag",
        # availability.py: a return date a week or more ahead (return_time.date)
        "date.long": "{weekday} {day}. {month}",
        "month.1": "januar",
        "month.2": "februar",
        "month.3": "mars",
        "month.4": "april",
        "month.5": "mai",
        "month.6": "juni",
        "month.7": "juli",
        "month.8": "august",
        "month.9": "september",
        "month.10": "oktober",
        "month.11": "november",
        "month.12": "desember",
        "email_capture.default": (
            "Legg igjen e-postadressen din, så kan vi følge opp hvis forbindelsen brytes."
        ),
        "consent.cookies.default": (
            "Vi bruker informasjonskapsler for å huske denne chatten og se hvordan nettstedet "
            "brukes. Godtar du informasjonskapsler for chat?"
        ),
        "consent.data_processing.default": (
            "For å svare på spørsmålet ditt må vi lagre og behandle personopplysningene du "
            "deler i denne chatten."
        ),
        "consent.communication.default": (
            "Jeg samtykker i å motta annen kommunikasjon fra {company}."
        ),
        # consent.py: OP5 when the account has no company name, account name or domain
        "consent.communication.company_fallback": "oss",
        "widget.agree": "Jeg samtykker",
        "widget.decline": "Nei takk",
        "widget.send": "Send",
        "widget.placeholder": "Skriv en melding…",
        "widget.help": "Hjelp",
        "widget.chat": "Chat",
        "widget.search": "Søk etter hjelp",
        "widget.no_results": "Fant ingen artikler.",
        "widget.typing": "{name} skriver…",
        "widget.read": "Lest",
        "widget.email_label": "E-post",
        "widget.email_invalid": "Skriv inn en gyldig e-postadresse.",
        "widget.csat_question": "Hvordan vil du vurdere opplevelsen?",
        "widget.csat_thanks": "Takk for tilbakemeldingen!",
        "widget.conversation_closed": "Denne samtalen er avsluttet.",
        "widget.minimize": "Minimer",
        "widget.open_chat": "Åpne chat",
        "widget.reconnecting": "Kobler til på nytt…",
        "widget.accept": "Godta",
        "widget.submit": "Send inn",
        "widget.back": "Tilbake",
        "widget.close_prompt": "Lukk",
        "widget.privacy_policy": "Personvernerklæring",
        "widget.csat_comment": "Vil du legge til noe? (valgfritt)",
        "widget.email_thanks": "Takk! Vi følger opp på {email}.",
        "widget.agree_first": "Du må samtykke til vilkårene over før du sender en melding.",
        "widget.retry": "Prøv igjen",
        "widget.not_sent": "Denne meldingen ble ikke sendt.",
        "widget.error.chatflow_unpublished": "Chatten er slått av på denne siden akkurat nå.",
        "widget.error.rate_limited": "For mange meldinger på en gang. Prøv igjen om litt.",
        "widget.new_conversation": "Start en ny samtale",
        "widget.past_conversations": "Dine samtaler",
        "widget.no_past_conversations": "Ingen samtaler ennå.",
        "widget.back_to_conversations": "Alle samtaler",
        "widget.conversation_open": "Åpen",
        "widget.conversation_ended": "Avsluttet",
        "widget.you_wrote": "Du: {text}",
    },
}


def text(language: Language, key: str, **values: str) -> str:
    """The text ``key`` in ``language``, with ``values`` filled in."""
    return TEXTS[language][key].format(**values)
