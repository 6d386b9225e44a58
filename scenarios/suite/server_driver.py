"""The server as a target: every step through the server's own interfaces, as its users use
them — the loader's config call and the widget's events for page views, the visitor
WebSocket's ``start`` frame for a chat (as ``web/static/widget.js`` sends it), the widget
API for the visitor's other answers, the REST API for agents and admins, the test controls
for the clock and a fresh account per scenario. The same code runs in-process and live."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from .model import (
    Api,
    ChatflowSetup,
    Claim,
    Close,
    ConsentStep,
    Csat,
    Email,
    Reply,
    Say,
    Scenario,
    Search,
    StartChat,
    Status,
    Step,
    Transfer,
    Trigger,
    View,
    WidgetEvent,
)
from .transports import Answer, Socket, Transport

__all__ = ["ServerDriver"]

PASSWORD = "scenario password 7"
_REFERENCE = re.compile(
    r"\{(user|team|chatflow|kb|survey|chat|helpdesk):([^{}]+)\}|\{(account|inbox)\}"
)
_TRIGGER_ON = {
    "exit_intent": lambda t: bool(t["exit_intent"]),
    "time_on_page": lambda t: t["time_on_page_seconds"] is not None,
    "scroll": lambda t: t["scroll_percentage"] is not None,
}


@dataclass
class _Visitor:
    token: str | None = None
    cookies: dict[str, tuple[str, float, datetime | None]] = field(default_factory=dict)
    config: dict[str, Any] | None = None
    url: str = ""
    triggered: bool = False
    socket: Socket | None = None
    chat: str | None = None  # the name of their current chat


class ServerDriver:
    family = "server"

    def __init__(self, transport: Transport, run_id: str) -> None:
        self.http = transport
        self.run_id = run_id
        self.ids: dict[str, dict[str, str]] = {}  # kind → name → id
        self.tokens: dict[str, dict[str, str]] = {}  # user name → headers
        self.visitors: dict[str, _Visitor] = {}
        self.now = datetime.min

    # -------------------------------------------------------------- plumbing

    def cannot(self, step: Step) -> str | None:
        return None  # the server expresses every step

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        caller: str | None = "admin",
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> Any:
        sent = dict(headers or {})
        if caller is not None:
            sent.update(self._headers(caller))
        answer = self.http.request(method, path, json=body, headers=sent)
        assert answer.status in ok, f"{method} {path} answered {answer.status}: {answer.text}"
        return answer.body

    def _headers(self, caller: str) -> dict[str, str]:
        if caller == "api_key":
            return {"Authorization": f"Bearer {self.ids['key']['account']}"}
        if caller not in self.tokens:
            assert caller in self.ids["user"], f"no user named {caller}"
            login = self.http.request(
                "POST",
                "/api/v1/auth/login",
                json={"email": self._email(caller), "password": PASSWORD},
            )
            assert login.status == 200, f"{caller} cannot log in: {login.text}"
            self.tokens[caller] = {"Authorization": f"Bearer {login.body['token']}"}
        return self.tokens[caller]

    def _email(self, user: str) -> str:
        return f"{re.sub(r'[^a-z0-9]+', '.', user.lower())}.{self.run_id}@suite.test"

    def resolve(self, value: Any) -> Any:
        """``{user:NAME}`` and the others (see :mod:`.model`) → ids on this server."""
        if isinstance(value, str):

            def one(found: re.Match[str]) -> str:
                kind, name = found.group(1), found.group(2)
                if kind is None:
                    return self.ids[found.group(3)]["id"]
                table = self.ids.get(kind, {})
                assert name in table, f"no {kind} named {name!r}"
                return table[name]

            return _REFERENCE.sub(one, value)
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        return value

    def _name_of(self, kind: str, some_id: str | None) -> str | None:
        if some_id is None:
            return None
        for name, known in self.ids.get(kind, {}).items():
            if known == some_id:
                return name
        return some_id

    def _chat_id(self, name: str) -> str:
        chats = self.ids.get("chat", {})
        assert name in chats, f"no chat named {name!r}"
        return chats[name]

    def _visitor(self, name: str) -> _Visitor:
        return self.visitors.setdefault(name, _Visitor())

    def _visitor_headers(self, name: str) -> dict[str, str]:
        token = self._visitor(name).token
        assert token, f"{name} has not viewed a page yet"
        return {"X-Visitor-Token": token}

    # -------------------------------------------------------------- set-up

    def setup(self, scenario: Scenario) -> None:
        setup = scenario.setup
        # The set-up happens in the minute before the start, a second between users, so that
        # they sort (and have been idle) in the order the file lists them.
        self.now = scenario.start - timedelta(seconds=60)
        self.call(
            "POST",
            "/test-controls/clock",
            {"now": self.now.isoformat(), "running": False},
            caller=None,
        )
        account = self.call(
            "POST",
            "/test-controls/accounts",
            {
                "name": setup.account.name,
                "admin_email": self._email("admin"),
                "admin_password": PASSWORD,
                "company_name": setup.account.company_name,
                "domain": setup.account.domain,
                "timezone": setup.account.timezone,
            },
            caller=None,
        )
        self.ids = {
            "account": {"id": account["account_id"]},
            "inbox": {"id": account["inbox_id"]},
            "key": {"account": account["api_key"]},
            "user": {"admin": account["admin_id"]},
        }
        for helpdesk in setup.helpdesks:
            made = self.call("POST", "/api/v1/inboxes", {"kind": "helpdesk", "name": helpdesk})
            self.ids.setdefault("helpdesk", {})[helpdesk] = made["id"]
        for team in setup.teams:
            made = self.call("POST", "/api/v1/teams", {"name": team.name})
            self.ids.setdefault("team", {})[team.name] = made["id"]
        for user in setup.users:
            body: dict[str, Any] = {
                "email": self._email(user.name),
                "name": user.name,
                "password": PASSWORD,
                "role": user.role,
                "permissions": user.permissions,
                "has_seat": user.seat,
                "capacity": user.capacity,
                "skills": user.skills,
            }
            made = self.call("POST", "/api/v1/users", body)
            self.ids["user"][user.name] = made["id"]
            self.call("PUT", f"/api/v1/users/{made['id']}/status", {"status": user.status})
            self.do_wait(1)
        for team in setup.teams:
            members = [self.ids["user"][u.name] for u in setup.users if team.name in u.teams]
            if members:
                team_id = self.ids["team"][team.name]
                self.call("PUT", f"/api/v1/teams/{team_id}/members", {"user_ids": members})
        for contact in setup.contacts:
            owner = self.ids["user"][contact.owner] if contact.owner else None
            self.call("POST", "/api/v1/contacts", {"email": contact.email, "owner_id": owner})
        for kb in setup.knowledge_bases:
            made = self.call("POST", "/api/v1/knowledge-bases", {"name": kb.name})
            self.ids.setdefault("kb", {})[kb.name] = made["id"]
            for article in kb.articles:
                self.call(
                    "POST", f"/api/v1/knowledge-bases/{made['id']}/articles", article.model_dump()
                )
        for survey in setup.surveys:
            made = self.call(
                "POST",
                "/api/v1/surveys",
                {"name": survey.name, "delivery": "chat", "question": survey.question},
            )
            self.ids.setdefault("survey", {})[survey.name] = made["id"]
        for chatflow in setup.chatflows:
            self._add_chatflow(chatflow)
        self.do_clock(scenario.start)

    def _add_chatflow(self, chatflow: ChatflowSetup) -> None:
        body = self.resolve(chatflow.model_dump())
        body.setdefault("workspace", {"kind": "inbox", "id": self.ids["inbox"]["id"]})
        made = self.call("POST", "/api/v1/chatflows", body)
        self.ids.setdefault("chatflow", {})[chatflow.name] = made["id"]

    # -------------------------------------------------------------- actions

    def act(self, action: str, value: Any) -> None:
        getattr(self, f"do_{action}")(value)

    def do_clock(self, moment: datetime) -> None:
        self.now = moment
        self.call("POST", "/test-controls/clock", {"now": moment.isoformat()}, caller=None)

    def do_wait(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.call("POST", "/test-controls/clock", {"advance_seconds": seconds}, caller=None)

    def do_view(self, view: View) -> None:
        visitor = self._visitor(view.visitor)
        for name, value in view.cookies.items():
            visitor.cookies[name] = (value, 0, None)
        body: dict[str, Any] = {
            "url": view.url,
            "device": view.device,
            "cookies": {name: value for name, (value, _, _) in self._alive(visitor).items()},
        }
        if visitor.token:
            body["visitor_token"] = visitor.token
        if view.cookie_consent is not None:
            body["consent"] = {"cookies": view.cookie_consent}
        if view.identify:
            made = self.call(
                "POST",
                "/api/v1/visitor-identification/tokens",
                {"email": view.identify},
                caller="api_key",
            )
            body["identification_email"] = view.identify
            body["identification_token"] = made["token"]
        account = self.ids["account"]["id"]
        answer = self.http.request("POST", f"/widget/v1/{account}/config", json=body)
        assert answer.status in (200, 204), f"the config call answered {answer.status}"
        visitor.url = view.url
        visitor.triggered = False
        visitor.config = answer.body if answer.status == 200 else None
        if visitor.config is not None:
            visitor.token = visitor.config["visitor"]["token"]
            self._keep_cookies(visitor, visitor.config["cookies"])

    def _alive(self, visitor: _Visitor) -> dict[str, tuple[str, float, datetime | None]]:
        return {
            name: cookie
            for name, cookie in visitor.cookies.items()
            if cookie[2] is None or cookie[2] > self.now
        }

    def _keep_cookies(self, visitor: _Visitor, cookies: list[dict[str, Any]]) -> None:
        for cookie in cookies:
            lifetime = cookie["max_age_seconds"]
            if lifetime <= 0:
                visitor.cookies.pop(cookie["name"], None)
            else:
                expires = self.now + timedelta(seconds=lifetime)
                visitor.cookies[cookie["name"]] = (cookie["value"], lifetime, expires)

    def do_widget_event(self, event: WidgetEvent) -> None:
        visitor = self._visitor(event.visitor)
        assert visitor.config, f"{event.visitor}'s page shows no widget"
        account = self.ids["account"]["id"]
        answer = self.call(
            "POST",
            f"/widget/v1/{account}/events",
            {"chatflow_id": visitor.config["chatflow_id"], "action": event.action},
            caller=None,
        )
        self._keep_cookies(visitor, answer["cookies"])

    def do_trigger(self, trigger: Trigger) -> None:
        visitor = self._visitor(trigger.visitor)
        assert visitor.config, f"{trigger.visitor}'s page shows no widget"
        if _TRIGGER_ON[trigger.kind](visitor.config["display"]["triggers"]):
            visitor.triggered = True

    def do_start_chat(self, start: StartChat) -> None:
        visitor = self._visitor(start.visitor)
        assert visitor.config, f"{start.visitor}'s page shows no widget to chat in"
        socket = self._socket(start.visitor)
        ref = f"start-{len(self.ids.get('chat', {})) + 1}"
        socket.send(
            {
                "type": "start",
                "ref": ref,
                "chatflow_id": visitor.config["chatflow_id"],
                "page_url": visitor.url,
                "properties": {},
                "consent": start.consent,
                "message": {"client_id": ref.removeprefix("start-"), "text": start.text},
            }
        )
        while True:
            frame = socket.receive()
            if frame.get("type") == "error":
                raise AssertionError(f"the start was refused: {frame}")
            if frame.get("type") == "started":
                break
        name = start.name or f"{start.visitor}-{len(self.ids.get('chat', {})) + 1}"
        self.ids.setdefault("chat", {})[name] = frame["conversation"]["id"]
        visitor.chat = name

    def _socket(self, name: str) -> Socket:
        visitor = self._visitor(name)
        if visitor.socket is None:
            account = self.ids["account"]["id"]
            ticket = self.call(
                "POST",
                f"/widget/v1/{account}/socket-ticket",
                caller=None,
                headers=self._visitor_headers(name),
            )
            path = f"/ws/visitor?account_id={account}&ticket={quote(ticket['ticket'])}"
            visitor.socket = self.http.socket(path)
            ready = visitor.socket.receive()
            assert ready.get("type") == "ready", f"the visitor socket said {ready}"
        return visitor.socket

    def _own_chat(self, name: str) -> str:
        chat = self._visitor(name).chat
        assert chat is not None, f"{name} has no chat"
        return chat

    def _widget_call(self, visitor: str, suffix: str, body: Any) -> Any:
        account = self.ids["account"]["id"]
        chat_id = self._chat_id(self._own_chat(visitor))
        return self.call(
            "POST",
            f"/widget/v1/{account}/conversations/{chat_id}{suffix}",
            body,
            caller=None,
            headers=self._visitor_headers(visitor),
        )

    def do_say(self, say: Say) -> None:
        client_id = f"m{len(self.run_id)}{id(say)}"
        self._widget_call(say.visitor, "/messages", {"client_id": client_id, "text": say.text})

    def do_email(self, email: Email) -> None:
        self._widget_call(email.visitor, "/email", {"email": email.address})

    def do_consent(self, consent: ConsentStep) -> None:
        body = consent.model_dump(exclude={"visitor"}, exclude_none=True)
        self._widget_call(consent.visitor, "/consent", body)

    def do_csat(self, csat: Csat) -> None:
        self._widget_call(csat.visitor, "/csat", {"rating": csat.rating, "comment": csat.comment})

    def do_search(self, search: Search) -> None:
        visitor = self._visitor(search.visitor)
        assert visitor.config, f"{search.visitor}'s page shows no widget"
        kb_id = visitor.config["knowledge_base"]["id"]
        assert kb_id, f"{search.visitor}'s widget has no help tab"
        account = self.ids["account"]["id"]
        hits = self.call(
            "GET",
            f"/widget/v1/{account}/knowledge-base/{kb_id}/search?q={quote(search.query)}",
            caller=None,
        )
        titles = [hit["title"] for hit in hits]
        assert titles == search.expect, f"the search found {titles}"

    def do_leave(self, name: str) -> None:
        visitor = self._visitor(name)
        if visitor.socket is not None:
            visitor.socket.close()
            visitor.socket = None

    def do_status(self, status: Status) -> None:
        user_id = self.ids["user"][status.agent]
        self.call(
            "PUT", f"/api/v1/users/{user_id}/status", {"status": status.status}, caller=status.agent
        )

    def _conversation(self, chat: str, action: str, body: Any, caller: str) -> Any:
        path = f"/api/v1/conversations/{self._chat_id(chat)}{action}"
        return self.call("POST", path, body, caller=caller)

    def do_claim(self, claim: Claim) -> None:
        user_id = self.ids["user"][claim.agent]
        self._conversation(claim.chat, "/assign", {"user_id": user_id}, claim.agent)

    def do_reply(self, reply: Reply) -> None:
        body = {"client_id": f"r{id(reply)}", "text": reply.text}
        self._conversation(reply.chat, "/messages", body, reply.agent)

    def do_transfer(self, transfer: Transfer) -> None:
        body = {"user_id": self.ids["user"][transfer.to]}
        self._conversation(transfer.chat, "/transfer", body, transfer.agent)

    def do_close(self, close: Close) -> None:
        if close.agent is not None:
            self._conversation(close.chat, "/close", None, close.agent)
            return
        assert close.visitor is not None
        self._widget_call(close.visitor, "/close", None)

    def do_api(self, api: Api) -> None:
        headers = self._headers(api.caller) if api.caller != "nobody" else {}
        headers = {**headers, **api.headers}
        answer: Answer = self.http.request(
            api.method, self.resolve(api.path), json=self.resolve(api.json_body), headers=headers
        )
        where = f"{api.method} {api.path}"
        assert answer.status == api.status, f"{where} answered {answer.status}: {answer.text}"
        if api.response is not None:
            from .driver import compare

            compare(self.resolve(api.response), answer.body, where)
        for part in api.text_contains:
            assert self.resolve(part) in answer.text, f"{where} lacks {part!r}: {answer.text}"

    # -------------------------------------------------------------- observations

    def widget(self, name: str) -> dict[str, Any] | None:
        visitor = self._visitor(name)
        config = visitor.config
        if config is None:
            return None
        display, availability, consent = (
            config["display"],
            config["availability"],
            config["consent"],
        )
        return {
            "chatflow": self._name_of("chatflow", config["chatflow_id"]),
            "mode": display["mode_when_triggered"] if visitor.triggered else display["mode"],
            "mode_when_triggered": display["mode_when_triggered"],
            "state": availability["state"],
            "message_kind": availability["message_kind"],
            "message": availability["message"],
            "launcher_hidden": availability["launcher_hidden"],
            "reply_time_text": availability["reply_time_text"],
            "language": config["language"],
            "texts": config["texts"],
            "welcome": config["welcome_message"],
            "heading_names": [person["name"] for person in config["heading"]["people"]],
            "email_ask": config["email_capture"]["ask"],
            "cookie_banner_at": consent["banner_at"],
            "data_processing": consent["data_processing"],
            "communication_text": consent["communication_text"],
            "send_allowed": config["send"]["allowed"],
            "knowledge_base": config["knowledge_base"]["enabled"],
            "csat": config["csat"]["enabled"],
        }

    def cookies(self, name: str) -> dict[str, float]:
        return {key: cookie[1] for key, cookie in self._alive(self._visitor(name)).items()}

    def chat(self, name: str) -> dict[str, Any]:
        chat_id = self._chat_id(name)
        found = self.call("GET", f"/api/v1/conversations/{chat_id}")
        seen = self._seen_by_visitor(name)
        agent = seen.get("agent") if seen else None
        return {
            "status": found["status"],
            "assignee": self._name_of("user", found["assignee_id"]),
            "agent_seen": agent["name"] if agent else None,
            "email_known": seen.get("email_known") if seen else None,
        }

    def _seen_by_visitor(self, chat: str) -> dict[str, Any] | None:
        for name, visitor in self.visitors.items():
            if visitor.chat == chat and visitor.token:
                account = self.ids["account"]["id"]
                chat_id = self._chat_id(chat)
                found: dict[str, Any] = self.call(
                    "GET",
                    f"/widget/v1/{account}/conversations/{chat_id}",
                    caller=None,
                    headers=self._visitor_headers(name),
                )
                return found
        return None

    def queue(self) -> list[str]:
        rows = self.call("GET", "/api/v1/conversations?view=unassigned")
        return [str(self._name_of("chat", row["id"])) for row in rows if row["status"] == "waiting"]

    def messages(self, chat: str) -> list[str]:
        for name, visitor in self.visitors.items():
            if visitor.chat == chat:
                account = self.ids["account"]["id"]
                chat_id = self._chat_id(chat)
                rows = self.call(
                    "GET",
                    f"/widget/v1/{account}/conversations/{chat_id}/messages",
                    caller=None,
                    headers=self._visitor_headers(name),
                )
                return [row["text"] for row in rows]
        raise AssertionError(f"no visitor holds chat {chat}")

    def ticket(self, chat: str) -> dict[str, Any] | None:
        rows = self.call("GET", f"/api/v1/tickets?conversation_id={self._chat_id(chat)}")
        return rows[0] if rows else None

    def contact(self, email: str) -> dict[str, Any] | None:
        rows = self.call("GET", f"/api/v1/contacts?email={quote(email)}")
        if not rows:
            return None
        found = rows[0]
        return {"marketing": found["marketing"], "owner": self._name_of("user", found["owner_id"])}

    def survey_ratings(self, survey: str) -> list[int]:
        survey_id = self.ids.get("survey", {}).get(survey)
        assert survey_id, f"no survey named {survey!r}"
        answers = self.call("GET", f"/api/v1/surveys/{survey_id}/answers")
        return [answer["rating"] for answer in reversed(answers["answers"])]

    def close(self) -> None:
        for visitor in self.visitors.values():
            if visitor.socket is not None:
                visitor.socket.close()
                visitor.socket = None
