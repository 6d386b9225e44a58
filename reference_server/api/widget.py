"""The public widget API under ``/widget/v1`` (no user auth; CORS is open): the loader's
config call, the visitor's display actions, and the help tab's knowledge base (BD5).

``POST /{account_id}/config`` answers 204 when no published chatflow applies to the page
(TG1-TG6), else everything the widget shows (see :class:`WidgetConfigOut` and
:mod:`reference_server.services.widget_config`). ``cookies`` in the answer are instructions
the loader applies on the page's own domain: ``max_age_seconds`` 0 deletes the cookie.

The knowledge base endpoints answer only for a knowledge base that a published chatflow of
the account shows in its help tab; any other id is 404, whether or not it exists.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated, Any, Literal

import orjson
from pydantic import Field, StrictBool, field_validator
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..domain.consent import PageBanner
from ..domain.display import Device, WidgetAction, cookies_for_action
from ..services import limits
from ..services.inputs import check_properties
from ..services.page_view_cache import kept_page_views
from ..services.widget_config import ConfigRequest, cookie_json, widget_config
from ..state import server_of
from ..store import knowledge as kb_store
from ..store.accounts import get_account
from ..store.chatflows import chatflows_using, get_chatflow
from ..store.on_demand import OnDemandTransaction
from .body import PAGE_QUERY, KeptBodies, page_of, parse_model, query_int, read_model
from .conversation_schemas import (
    ConsentStateOut,
    PresentationOut,
    SendOut,
    VisitorConversationOut,
)
from .errors import NotFound
from .knowledge import SEARCH_QUERY, SearchHitOut, hit_json, search_query
from .openapi import operation
from .schemas import Input, Output
from .web_security import client_address

__all__ = ["routes"]

CookieValue = Annotated[str, Field(max_length=4096)]


class ConsentIn(Input):
    cookies: bool | None = None


class ConfigIn(Input):
    url: str = Field(min_length=1, max_length=2000)
    device: Literal["desktop", "tablet", "mobile"] = "desktop"
    cookies: dict[Annotated[str, Field(max_length=256)], CookieValue] = Field(
        default_factory=dict, max_length=100
    )
    visitor_token: str | None = Field(None, max_length=200)
    identification_email: str | None = Field(None, max_length=254)
    identification_token: str | None = Field(None, max_length=200)
    consent: ConsentIn = Field(default_factory=ConsentIn)
    language: str | None = Field(None, max_length=35, description="the page's language (hint)")
    properties: dict[str, str] = Field(
        default_factory=dict,
        description="RT3 routing properties the page declares (hsConversationsSettings."
        "chatProperties); availability counts the agents a chat with them would go to",
    )
    enable_widget_cookie_banner: StrictBool | Literal["ON_WIDGET_LOAD", "ON_EXIT_INTENT"] = Field(
        False,
        description="the page's hsConversationsSettings.enableWidgetCookieBanner: false keeps "
        "the chatflow's banner timing; true or ON_WIDGET_LOAD shows the banner as the widget "
        "loads; ON_EXIT_INTENT on exit intent",
    )

    @field_validator("properties")
    @classmethod
    def _properties(cls, value: dict[str, str]) -> dict[str, str]:
        return check_properties(value)


class CookieOut(Output):
    name: str
    value: str
    max_age_seconds: int


class PersonOut(Output):
    id: str
    name: str
    avatar_url: str


class HeadingOut(Output):
    kind: str
    people: list[PersonOut]
    brand_alias: bool


class AvailabilityOut(Output):
    state: Literal["available", "away", "offline", "at_capacity"]
    launcher_hidden: bool
    message_kind: Literal["welcome", "away", "wait", "return_time", "none"]
    message: str
    return_at: str | None
    reply_time_text: str


class TriggersOut(Output):
    exit_intent: bool
    time_on_page_seconds: int | None
    scroll_percentage: int | None


class DisplayOut(Output):
    mode: Literal["hidden", "launcher", "prompt", "open"]
    mode_when_triggered: Literal["hidden", "launcher", "prompt", "open"]
    prompt_text: str = Field(description="the bubble next to the launcher")
    device: str
    desktop: str
    mobile: str
    triggers: TriggersOut


class ConsentOut(Output):
    cookie_banner: Literal["before_chat", "on_exit"] | None
    banner_at: Literal["before_chat", "exit_intent", "widget_load"] | None = Field(
        description="the moment the banner shows to this visitor (null: it does not)"
    )
    cookie_text: str
    data_processing: Literal["explicit", "legitimate_interest"] | None
    data_processing_text: str
    privacy_policy_url: str
    communication_checkbox: bool
    communication_text: str
    subscription_type: str
    given: ConsentStateOut = Field(description="the consent that holds for a new conversation")


class EmailCaptureOut(Output):
    ask: bool
    when: str
    text: str


class KnowledgeBaseOut(Output):
    enabled: bool
    id: str | None


class CsatOut(Output):
    enabled: bool
    survey_id: str | None


class VisitorOut(Output):
    token: str
    identified: bool


class WidgetConfigOut(Output):
    chatflow_id: str
    language: str
    texts: dict[str, str]
    accent_color: str
    heading: HeadingOut
    welcome_message: str
    presentation: PresentationOut = Field(description="what a new conversation looks like")
    availability: AvailabilityOut
    display: DisplayOut
    consent: ConsentOut
    send: SendOut = Field(description="may the visitor write a first message, and why not")
    email_capture: EmailCaptureOut
    knowledge_base: KnowledgeBaseOut
    csat: CsatOut
    visitor: VisitorOut
    cookies: list[CookieOut]
    conversation: VisitorConversationOut | None = Field(
        description="the visitor's open conversation, with its own presentation"
    )
    unread: list[UnreadOut] = Field(
        description="the visitor's conversations with replies not read yet"
    )


class UnreadOut(Output):
    conversation_id: str
    unread: int


class EventIn(Input):
    chatflow_id: str = Field(min_length=1, max_length=40)
    action: WidgetAction


class EventOut(Output):
    cookies: list[CookieOut]


class ArticleSummaryOut(Output):
    id: str
    title: str
    category: str


class ArticleOut(Output):
    id: str
    title: str
    body: str
    category: str


_PAGE_BANNER: dict[bool | str, PageBanner] = {
    False: PageBanner.CHATFLOW,
    True: PageBanner.ON_WIDGET_LOAD,
    "ON_WIDGET_LOAD": PageBanner.ON_WIDGET_LOAD,
    "ON_EXIT_INTENT": PageBanner.ON_EXIT_INTENT,
}


def _account_id(request: Request) -> str:
    return str(request.path_params["account_id"])


async def _require_account(db: AsyncConnection, account_id: str) -> None:
    try:
        await get_account(db, account_id)
    except LookupError:
        raise NotFound("no such account") from None


def _config_request(data: Any) -> ConfigRequest:
    body = parse_model(ConfigIn, data)
    return ConfigRequest(
        url=body.url,
        device=Device(body.device),
        cookies=MappingProxyType(body.cookies),  # read-only: kept and shared (below)
        visitor_token=body.visitor_token or None,
        identification_email=body.identification_email or None,
        identification_token=body.identification_token or None,
        consent_cookies=body.consent.cookies,
        page_banner=_PAGE_BANNER[body.enable_widget_cookie_banner],
        page_properties=MappingProxyType(body.properties),
    )


# A visitor's loader sends the same body on every page view: understood once.
_CONFIG_BODIES = KeptBodies(_config_request)


@operation(
    "The widget's configuration for a page view (204: no chatflow applies)",
    tags=("widget",),
    request=ConfigIn,
    response=WidgetConfigOut,
    empty=(204,),
    auth="none",
    errors=(400, 404, 413, 422),
)
async def config(request: Request) -> Response:
    asked = await _CONFIG_BODIES.read(request)
    account_id = _account_id(request)
    server = server_of(request)
    address = client_address(request.scope)

    async def new_visitor() -> None:  # SE2: counted before the row is written
        await limits.new_visitor(server, account_id, address)

    async with OnDemandTransaction(server.engine) as connect:
        try:  # the account is read first: LookupError is "no such account"
            answer = await widget_config(
                connect,
                account_id,
                asked,
                server.clock.now(),
                before_new_visitor=new_visitor,
                cache=kept_page_views(server.extras),
            )
        except LookupError:
            raise NotFound("no such account") from None
    if answer is None:
        return Response(status_code=204)
    # The answer is plain JSON-ready data in WidgetConfigOut's shape (the tests hold it to
    # the model); orjson writes it at a fraction of a model's validation and dump.
    return _JsonAnswer(orjson.dumps(answer))


class _JsonAnswer(Response):
    """JSON bytes with the headers ``Response`` would work out for them, set directly."""

    media_type = "application/json"

    def __init__(self, body: bytes) -> None:
        self.status_code, self.background, self.body = 200, None, body
        self.raw_headers = [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
        ]


@operation(
    "The visitor minimized, opened or closed the widget: the cookies to write (DS4)",
    tags=("widget",),
    request=EventIn,
    response=EventOut,
    auth="none",
    errors=(400, 404, 413, 422),
)
async def events(request: Request) -> Response:
    body = await read_model(request, EventIn)
    account_id = _account_id(request)
    async with server_of(request).engine.connect() as db:
        await _require_account(db, account_id)
        if await get_chatflow(db, account_id, body.chatflow_id) is None:
            raise NotFound("no such chatflow")
    cookies = [cookie_json(cookie) for cookie in cookies_for_action(body.action)]
    return JSONResponse({"cookies": cookies})


async def _exposed_kb(request: Request, db: AsyncConnection) -> str:
    """The knowledge base id of the path, when a published chatflow of the account shows it
    in its help tab (BD5); 404 otherwise."""
    account_id, kb_id = _account_id(request), str(request.path_params["kb_id"])
    shown = await chatflows_using(
        db,
        account_id,
        lambda c: (
            c.published
            and c.build.knowledge_base.enabled
            and c.build.knowledge_base.knowledge_base_id == kb_id
        ),
    )
    if not shown or await kb_store.get_knowledge_base(db, account_id, kb_id) is None:
        raise NotFound("no such knowledge base")
    return kb_id


@operation(
    "Browse the help tab's articles (BD5)",
    tags=("widget",),
    response=ArticleSummaryOut,
    response_list=True,
    auth="none",
    query=PAGE_QUERY,
    errors=(404, 422),
)
async def kb_articles(request: Request) -> Response:
    limit, offset = page_of(request)
    async with server_of(request).engine.connect() as db:
        kb_id = await _exposed_kb(request, db)
        found = await kb_store.list_articles(db, kb_id, limit=limit, offset=offset)
    return JSONResponse(
        [ArticleSummaryOut.model_validate(article).model_dump() for article in found]
    )


@operation(
    "Search the help tab's articles (BD5)",
    tags=("widget",),
    response=SearchHitOut,
    response_list=True,
    auth="none",
    query=SEARCH_QUERY,
    errors=(404, 422),
)
async def kb_search(request: Request) -> Response:
    query = search_query(request)
    limit = query_int(request, "limit", 20, low=1, high=50)
    async with server_of(request).engine.connect() as db:
        kb_id = await _exposed_kb(request, db)
        hits = await kb_store.search_articles(db, kb_id, query, limit=limit)
    return JSONResponse([hit_json(hit) for hit in hits])


@operation(
    "Read one of the help tab's articles (BD5)",
    tags=("widget",),
    response=ArticleOut,
    auth="none",
    errors=(404,),
)
async def kb_article(request: Request) -> Response:
    async with server_of(request).engine.connect() as db:
        kb_id = await _exposed_kb(request, db)
        found: dict[str, Any] | None = await kb_store.get_article(
            db, kb_id, str(request.path_params["article_id"])
        )
    if found is None:
        raise NotFound("no such article")
    return JSONResponse(ArticleOut.model_validate(found).model_dump())


def routes() -> list[BaseRoute]:
    kb = "/{account_id}/knowledge-base/{kb_id}"
    return [
        Route("/{account_id}/config", config, methods=["POST"]),
        Route("/{account_id}/events", events, methods=["POST"]),
        Route(f"{kb}/articles", kb_articles, methods=["GET"]),
        Route(f"{kb}/search", kb_search, methods=["GET"]),
        Route(f"{kb}/articles/{{article_id}}", kb_article, methods=["GET"]),
    ]
